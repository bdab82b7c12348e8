// Headless Chromium (the system's /usr/bin/chromium, driven by playwright-core) against
// lwsj's demo (io.lwsj.examples.demo.TestServer) and echo servers.
//
//   node browser-suite.js --demo http://127.0.0.1:P/ --echo ws://127.0.0.1:Q/
//                         --deflate ws://127.0.0.1:R/ [--wss wss://127.0.0.1:S/]
//                         [--screenshot FILE.png] [--chromium PATH] [--only NAME-PART]
//
// Nothing is downloaded: playwright-core drives the browser given by --chromium
// (default /usr/bin/chromium, or $LWSJ_CHROMIUM).
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { chromium } = require("playwright-core");
const { test, run, args, assert, sleep, until } = require("./harness");

const opt = args();
if (!opt.demo || !opt.echo || !opt.deflate) {
  console.error("usage: node browser-suite.js --demo URL --echo URL --deflate URL [--wss URL] [--screenshot FILE] [--chromium PATH]");
  process.exit(2);
}
const DEMO = opt.demo.endsWith("/") ? opt.demo : opt.demo + "/";
const CHROMIUM = opt.chromium || process.env.LWSJ_CHROMIUM || "/usr/bin/chromium";
const MiB = 1 << 20;

let browser;
let context;

/** A new page on the demo, loaded, with its WebSockets watched (page.sockets). */
async function openDemo() {
  const page = await context.newPage();
  page.sockets = [];
  page.on("websocket", (ws) => {
    const entry = { url: ws.url(), received: 0, sent: 0, closed: false };
    ws.on("framereceived", () => entry.received++);
    ws.on("framesent", () => entry.sent++);
    ws.on("close", () => (entry.closed = true));
    page.sockets.push(entry);
  });
  page.consoleErrors = [];
  page.on("console", (m) => m.type() === "error" && page.consoleErrors.push(m.text()));
  page.on("pageerror", (e) => page.consoleErrors.push(String(e)));
  const response = await page.goto(DEMO, { waitUntil: "load", timeout: 15000 });
  page.mainResponse = response;
  return page;
}

async function bothOpen(page) {
  await page.waitForFunction(() =>
    document.getElementById("inc-status").textContent === "open" &&
    document.getElementById("mirror-status").textContent === "open", null, { timeout: 10000 });
}

const counter = async (page) => Number(await page.textContent("#number"));

/** The number of painted (non-transparent) pixels of the board in a rectangle. */
function paintedPixels(page, x = 0, y = 0, w = 600, h = 320) {
  return page.evaluate(([x, y, w, h]) => {
    const d = document.getElementById("board").getContext("2d").getImageData(x, y, w, h).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
    return n;
  }, [x, y, w, h]);
}

/** The log lines of a page. */
const logLines = (page) => page.$$eval("#log li", (items) => items.map((li) => li.textContent));

/** Drags the mouse over the board along points given in board coordinates. */
async function draw(page, points) {
  const box = await page.locator("#board").boundingBox();
  const sx = box.width / 600;
  const sy = box.height / 320;
  const at = ([x, y]) => [box.x + x * sx, box.y + y * sy];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p));
  await page.mouse.up();
}

// ---- the demo page -------------------------------------------------------------------

let pageA;
let pageB;

test("the page loads over lwsj's HTTP: index.html, demo.js and the favicon with the right types", async () => {
  pageA = await openDemo();
  const r = pageA.mainResponse;
  assert.equal(r.status(), 200);
  assert.match(r.headers()["content-type"], /^text\/html/);
  assert.equal(await pageA.title(), "lwsj demo");
  const js = await pageA.request.get(DEMO + "demo.js");
  assert.equal(js.status(), 200);
  assert.match(js.headers()["content-type"], /javascript/);
  const ico = await pageA.request.get(DEMO + "favicon.ico");
  assert.equal(ico.status(), 200);
  assert.equal(ico.headers()["content-type"], "image/x-icon");
  assert.ok((await ico.body()).length > 0);
});

test("HTTP errors a browser can meet: 404 for a missing file, nothing outside the root", async () => {
  const missing = await pageA.request.get(DEMO + "nonesuch.html");
  assert.equal(missing.status(), 404);
  const out = await pageA.request.get(DEMO + "%2e%2e/%2e%2e/%2e%2e/etc/passwd.txt");
  assert.ok([403, 404].includes(out.status()), `traversal answered ${out.status()}`);
});

test("a form POST from the page gets the demo's 405 and nothing else (one response, its own body)", async () => {
  const page = await context.newPage();
  await page.goto(DEMO + "favicon.ico");
  const r = await page.evaluate(async (url) => {
    const res = await fetch(url, { method: "POST", body: "x=1", headers: { "content-type": "application/x-www-form-urlencoded" } });
    return { status: res.status, allow: res.headers.get("allow"), body: await res.text() };
  }, DEMO);
  await page.close();
  assert.equal(r.status, 405);
  assert.equal(r.allow, "GET, HEAD");
  assert.equal(r.body, "Method Not Allowed\n",
    "the 405's body is not its own: another response was written into it (a request body makes lws add its own 200)");
});

test("both WebSockets (dumb-increment-protocol, lws-mirror-protocol) open; no script errors", async () => {
  await bothOpen(pageA);
  const urls = pageA.sockets.map((s) => s.url);
  assert.equal(urls.length, 2, `sockets: ${urls}`);
  assert.deepEqual(pageA.consoleErrors, []);
});

test("the dumb-increment counter rises about every 50 ms", async () => {
  const a = await counter(pageA);
  const framesBefore = pageA.sockets[0].received;
  await sleep(1000);
  const b = await counter(pageA);
  assert.ok(Number.isInteger(a) && Number.isInteger(b), `counter shows ${a}, ${b}`);
  assert.ok(b - a >= 10 && b - a <= 30, `counter went from ${a} to ${b} in 1 s`);
  assert.ok(pageA.sockets[0].received - framesBefore >= 10, "frames arrived on the counter socket");
});

test("the Reset button sends reset\\n and the counter starts again from 0", async () => {
  await until(async () => (await counter(pageA)) > 30, 5000, "counter above 30");
  await pageA.click("#reset");
  await until(async () => (await counter(pageA)) < 15, 3000, "counter back near 0");
  const low = await counter(pageA);
  await sleep(300);
  assert.ok((await counter(pageA)) > low, "and rises again");
});

test("text sent in one page shows up in a second page (lws-mirror-protocol), and in the sender's", async () => {
  pageB = await openDemo();
  await bothOpen(pageB);
  await pageA.fill("#text", "hello from page A — ünïcødé ✓");
  await pageA.press("#text", "Enter");
  await until(async () => (await logLines(pageB)).includes("hello from page A — ünïcødé ✓"), 5000, "text in page B");
  await until(async () => (await logLines(pageA)).includes("hello from page A — ünïcødé ✓"), 5000, "text in page A");
  assert.equal(await pageA.inputValue("#text"), "", "the input was cleared");
  await pageB.fill("#text", "and back from page B");
  await pageB.click("#send");
  await until(async () => (await logLines(pageA)).includes("and back from page B"), 5000, "text in page A");
});

test("a stroke drawn in one page appears on the board of the other", async () => {
  assert.equal(await paintedPixels(pageB), 0, "page B's board starts empty");
  await draw(pageA, [[40, 40], [120, 80], [200, 40], [280, 80]]);
  await until(async () => (await paintedPixels(pageB, 30, 30, 260, 60)) > 100, 5000, "the stroke on page B");
  await until(async () => (await paintedPixels(pageA, 30, 30, 260, 60)) > 100, 5000, "the stroke on page A");
});

test("Clear for everyone clears both boards", async () => {
  await pageB.click("#clear");
  await until(async () => (await paintedPixels(pageA)) === 0 && (await paintedPixels(pageB)) === 0, 5000, "both boards empty");
});

test("a reload reconnects both sockets: counter from 0 again, mirror still shared", async () => {
  const before = await counter(pageA);
  const oldSockets = pageA.sockets.slice();
  await pageA.reload({ waitUntil: "load" });
  await bothOpen(pageA);
  // the socket may be open before its first number has arrived
  let after = NaN;
  await until(async () => Number.isFinite(after = await counter(pageA)), 5000, "a number in the reloaded counter");
  assert.ok(after < before || before < 20, `counter did not restart: ${before} -> ${after}`);
  await until(() => oldSockets.every((s) => s.closed), 5000, "the old page's sockets closed");
  await pageB.fill("#text", "after the reload");
  await pageB.press("#text", "Enter");
  await until(async () => (await logLines(pageA)).includes("after the reload"), 5000, "text in the reloaded page");
  await sleep(300);
  assert.ok((await counter(pageA)) > after, "the counter rises after the reload");
});

test("ten quick reloads in a row; the page still connects and the server is fine", async () => {
  for (let i = 0; i < 10; i++) await pageB.reload({ waitUntil: "commit" });
  await pageB.waitForLoadState("load");
  await bothOpen(pageB);
  await pageA.fill("#text", "still alive");
  await pageA.press("#text", "Enter");
  await until(async () => (await logLines(pageB)).includes("still alive"), 5000, "text after the reloads");
});

test("a screenshot of the demo page (both pages drawing and talking)", async () => {
  const colours = { blue: "#1f5fae", red: "#c62828", green: "#2e7d32" };
  const wave = (y0, amp, phase) => Array.from({ length: 19 }, (_, i) => [30 + i * 30, y0 + Math.round(amp * Math.sin(i / 1.8 + phase))]);
  await pageA.selectOption("#colour", colours.blue);
  await draw(pageA, wave(90, 40, 0));
  await pageB.selectOption("#colour", colours.red);
  await draw(pageB, wave(170, 40, 1.5));
  await pageA.selectOption("#colour", colours.green);
  await draw(pageA, wave(250, 30, 3));
  await pageB.fill("#text", "drawn in page B, seen in page A");
  await pageB.press("#text", "Enter");
  await until(async () => (await logLines(pageA)).includes("drawn in page B, seen in page A"), 5000, "text");
  await until(async () => (await paintedPixels(pageA)) > 2000, 5000, "all strokes on page A");
  if (opt.screenshot) {
    fs.mkdirSync(path.dirname(path.resolve(opt.screenshot)), { recursive: true });
    await pageA.setViewportSize({ width: 900, height: 600 }); // fullPage: as tall as the page
    await pageA.screenshot({ path: opt.screenshot, fullPage: true });
    assert.ok(fs.statSync(opt.screenshot).size > 10000, "screenshot written");
    console.log(`       (screenshot: ${opt.screenshot})`);
  }
});

test("closing the second page leaves the first one working (counter and mirror)", async () => {
  await pageB.close();
  const a = await counter(pageA);
  await pageA.fill("#text", "alone now");
  await pageA.press("#text", "Enter");
  await until(async () => (await logLines(pageA)).includes("alone now"), 5000, "mirror to itself");
  // the mirror's round trip can end within one 50 ms tick of the counter: wait for the
  // next tick rather than compare at once
  await until(async () => (await counter(pageA)) > a, 5000, "page A's counter still rises");
});

// ---- the browser's own WebSocket against the echo servers ------------------------------

/**
 * Runs in the page: echoes text and binary of the given sizes over a fresh WebSocket,
 * checks every byte, closes with 4001 and returns what the browser saw.
 */
function browserEcho([url, sizes, timeoutMs = 25000, random = false]) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    const result = { extensions: null, protocol: null, errors: [], echoed: 0 };
    const queue = [];
    const chars = ["l", "w", "s", "j", " ", "é", "€", "😀", "ж", "~"];
    const utf8 = (c) => new TextEncoder().encode(c).length;
    for (const n of sizes) {
      // exactly n UTF-8 bytes with 1- to 4-byte characters
      const parts = [];
      let bytes = 0;
      for (let k = 0; bytes < n; k++) {
        const c = chars[k % chars.length];
        if (bytes + utf8(c) > n) {
          parts.push("a".repeat(n - bytes));
          break;
        }
        parts.push(c);
        bytes += utf8(c);
      }
      queue.push(parts.join(""));
      const b = new Uint8Array(n);
      if (random) {
        for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, i + 65536));
      } else {
        for (let i = 0; i < n; i++) b[i] = (i * 31 + n) & 0xff;
      }
      queue.push(b.buffer);
    }
    let i = 0;
    const sendNext = () => ws.send(queue[i]);
    ws.onopen = () => {
      result.extensions = ws.extensions;
      result.protocol = ws.protocol;
      sendNext();
    };
    ws.onmessage = (e) => {
      const want = queue[i];
      if (typeof want === "string") {
        if (e.data !== want) result.errors.push(`text ${want.length} differs`);
      } else {
        const a = new Uint8Array(e.data);
        const b = new Uint8Array(want);
        if (!(e.data instanceof ArrayBuffer) || a.length !== b.length || a.some((x, k) => x !== b[k])) {
          result.errors.push(`binary ${b.length} differs`);
        }
      }
      result.echoed++;
      if (++i < queue.length) sendNext();
      else ws.close(4001, "browser done");
    };
    ws.onerror = () => result.errors.push("error event");
    ws.onclose = (e) => {
      result.close = { code: e.code, reason: e.reason, wasClean: e.wasClean };
      resolve(result);
    };
    setTimeout(() => reject(new Error(`browser echo timed out after ${result.echoed} echoes`)), timeoutMs);
  });
}

const ECHO_SIZES = [0, 1, 125, 126, 65535, 65536, 100000, MiB];

test("the browser's WebSocket echoes text and binary 0..1 MiB on the plain echo server; close 4001 clean", async () => {
  const r = await pageA.evaluate(browserEcho, [opt.echo, ECHO_SIZES]);
  assert.deepEqual(r.errors, []);
  assert.equal(r.echoed, ECHO_SIZES.length * 2);
  assert.equal(r.extensions, "", "no extension on a server without --deflate");
  assert.deepEqual(r.close, { code: 4001, reason: "browser done", wasClean: true });
}, { timeoutMs: 40000 });

test("Chromium negotiates permessage-deflate with the --deflate server; text and binary 0..1 MiB survive", async () => {
  const r = await pageA.evaluate(browserEcho, [opt.deflate, ECHO_SIZES]);
  assert.match(r.extensions, /^permessage-deflate/, `extensions "${r.extensions}"`);
  assert.deepEqual(r.errors, []);
  assert.equal(r.echoed, ECHO_SIZES.length * 2);
  assert.deepEqual(r.close, { code: 4001, reason: "browser done", wasClean: true });
}, { timeoutMs: 40000 });

test("Chromium over deflate: 4 sockets at once echo 30000 byte messages (text, random binary) intact", async () => {
  const results = await pageA.evaluate(([url, fn]) => {
    const echoOne = new Function(`return (${fn})`)();
    return Promise.all([0, 1, 2, 3].map(() =>
      echoOne([url, [30000, 30000, 30000], 8000, true]).catch((e) => ({ errors: [e.message], close: null }))));
  }, [opt.deflate, browserEcho.toString()]);
  const errors = results.flatMap((r, k) => r.errors.map((e) => `socket ${k}: ${e}`));
  const closes = results.map((r) => r.close && r.close.code);
  assert.deepEqual(errors, [], `errors ${errors}; close codes ${closes}`);
  assert.deepEqual(closes, [4001, 4001, 4001, 4001]);
}, { timeoutMs: 40000 });

if (opt.wss) {
  test("Chromium over wss:// (the test certificate, errors ignored by the browser context): echo and deflate", async () => {
    const tlsContext = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await tlsContext.newPage();
      await page.goto(DEMO);
      const r = await page.evaluate(browserEcho, [opt.wss, [0, 1000, MiB]]);
      assert.deepEqual(r.errors, []);
      assert.match(r.extensions, /^permessage-deflate/);
      assert.equal(r.close.code, 4001);
    } finally {
      await tlsContext.close();
    }
  }, { timeoutMs: 40000 });
}

(async () => {
  let ok = false;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false, // adds --no-sandbox: we run as root in CI
      args: [
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage", // containers often have a small /dev/shm
      ],
      timeout: 30000,
    });
    console.log(`chromium ${browser.version()} (${CHROMIUM})`);
    context = await browser.newContext({ viewport: { width: 900, height: 1000 } });
    ok = await run("browser (chromium " + browser.version() + ")", { filter: opt.only });
  } catch (e) {
    console.log(`FAILED starting the browser: ${e.message.split("\n")[0]}`);
    console.log("0 passed, 1 failed");
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
  process.exit(ok ? 0 : 1);
})();
