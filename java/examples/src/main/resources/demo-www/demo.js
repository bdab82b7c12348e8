// The lwsj demo page: one WebSocket per protocol of io.lwsj.examples.demo.TestServer.
"use strict";

(function () {
  var server = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/";

  function $(id) { return document.getElementById(id); }

  // Opens a WebSocket for one subprotocol and keeps its status badge up to date;
  // onOpenChange(true/false) enables or disables the controls that need it.
  function open(protocol, statusId, onMessage, onOpenChange) {
    var badge = $(statusId);
    function status(cls, text) { badge.className = "status " + cls; badge.textContent = text; }
    var ws;
    try {
      ws = new WebSocket(server, protocol);
    } catch (e) {
      status("closed", "failed: " + e.message);
      return null;
    }
    status("", "connecting");
    ws.onopen = function () { status("open", "open"); onOpenChange(true); };
    ws.onclose = function (e) {
      status("closed", "closed" + (e.code ? " (" + e.code + ")" : ""));
      onOpenChange(false);
    };
    ws.onmessage = function (e) { onMessage(e.data); };
    return ws;
  }

  // ---- dumb-increment-protocol ---------------------------------------------

  var counter = open("dumb-increment-protocol", "inc-status",
    function (data) { $("number").textContent = data; },
    function (up) { $("reset").disabled = !up; });

  $("reset").onclick = function () {
    if (counter && counter.readyState === WebSocket.OPEN) {
      counter.send("reset\n");
    }
  };

  // ---- lws-mirror-protocol ---------------------------------------------------
  // Messages are JSON: {"t":"line","c":colour,"p":[x0,y0,x1,y1]}, {"t":"clear"} or
  // {"t":"say","text":...}. Anything else is shown in the log as it came.

  var board = $("board");
  var pen = board.getContext("2d");
  pen.lineWidth = 3;
  pen.lineCap = "round";

  function log(text) {
    var item = document.createElement("li");
    item.textContent = text;
    var list = $("log");
    list.appendChild(item);
    while (list.childNodes.length > 50) {
      list.removeChild(list.firstChild);
    }
    list.scrollTop = list.scrollHeight;
  }

  function received(data) {
    var m = null;
    try { m = JSON.parse(data); } catch (e) { /* not ours: log it */ }
    if (m && m.t === "line" && Array.isArray(m.p) && m.p.length === 4) {
      pen.strokeStyle = String(m.c);
      pen.beginPath();
      pen.moveTo(+m.p[0], +m.p[1]);
      pen.lineTo(+m.p[2], +m.p[3]);
      pen.stroke();
    } else if (m && m.t === "clear") {
      pen.clearRect(0, 0, board.width, board.height);
    } else if (m && m.t === "say") {
      log(String(m.text));
    } else {
      log(data);
    }
  }

  var mirror = open("lws-mirror-protocol", "mirror-status", received, function (up) {
    $("clear").disabled = $("text").disabled = $("send").disabled = !up;
  });

  function post(message) {
    if (mirror && mirror.readyState === WebSocket.OPEN) {
      mirror.send(JSON.stringify(message));
    }
  }

  // Strokes are drawn when they come back from the server, so every page draws the
  // same thing in the same order.
  var last = null;
  function point(e) {
    var r = board.getBoundingClientRect();
    return [Math.round((e.clientX - r.left) * board.width / r.width),
            Math.round((e.clientY - r.top) * board.height / r.height)];
  }
  board.addEventListener("pointerdown", function (e) {
    last = point(e);
    board.setPointerCapture(e.pointerId);
  });
  board.addEventListener("pointermove", function (e) {
    if (!last) { return; }
    var p = point(e);
    if (p[0] === last[0] && p[1] === last[1]) { return; }
    post({ t: "line", c: $("colour").value, p: [last[0], last[1], p[0], p[1]] });
    last = p;
  });
  function lift() { last = null; }
  board.addEventListener("pointerup", lift);
  board.addEventListener("pointercancel", lift);

  $("clear").onclick = function () { post({ t: "clear" }); };

  $("say").addEventListener("submit", function (e) {
    e.preventDefault();
    var input = $("text");
    if (input.value) {
      post({ t: "say", text: input.value });
      input.value = "";
    }
  });
})();
