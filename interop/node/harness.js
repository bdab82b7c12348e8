// A very small test runner shared by the node suites: named checks run one after
// another, each under a time limit; a line per check, then "N passed, N failed".
"use strict";

const assert = require("node:assert/strict");

const tests = [];

/** Registers a check; fn is async and throws (or rejects) to fail. */
function test(name, fn, { timeoutMs = 30000 } = {}) {
  tests.push({ name, fn, timeoutMs });
}

function withTimeout(promise, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** Runs the registered checks whose name contains filter (all without one). */
async function run(suite, { filter } = {}) {
  let passed = 0;
  let failed = 0;
  const started = Date.now();
  for (const t of tests) {
    if (filter && !t.name.includes(filter)) {
      continue;
    }
    const t0 = Date.now();
    try {
      await withTimeout(Promise.resolve().then(t.fn), t.timeoutMs, t.name);
      passed++;
      console.log(`ok     ${t.name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed++;
      const msg = (e && e.stack ? e.stack : String(e)).split("\n").slice(0, 6).join("\n         ");
      console.log(`FAILED ${t.name} (${Date.now() - t0} ms)\n         ${msg}`);
    }
  }
  console.log(`${suite}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0;
}

/** --name value pairs from argv, as an object. */
function args(argv = process.argv.slice(2)) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) {
      throw new Error(`unexpected argument ${a}`);
    }
    const next = argv[i + 1];
    if (next === undefined || next.startsWith("--")) {
      out[a.slice(2)] = true;
    } else {
      out[a.slice(2)] = next;
      i++;
    }
  }
  return out;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls cond (sync or async) every stepMs until it is truthy or ms have passed. */
async function until(cond, ms, what, stepMs = 25) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = await cond();
    if (last) {
      return last;
    }
    if (Date.now() > end) {
      throw new Error(`not within ${ms} ms: ${what}`);
    }
    await sleep(stepMs);
  }
}

module.exports = { test, run, args, assert, sleep, until, withTimeout };
