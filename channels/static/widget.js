/*
 * Borderless website chat widget: one <script> tag, no build step.
 *
 *   <script src="https://console.example/widget.js" data-rasa-url="https://rasa.example" defer
 *           data-customer-token="bl1...." data-title="Shop help"></script>
 *
 * The console it was loaded from issues a signed session (POST /widget/session: a conversation id chosen by the
 * server and a token); the widget sends each message to Rasa's signed widget channel
 * (POST {rasa}/webhooks/widget/webhook, "Authorization: Bearer <token>") and reads agent messages, queue status
 * and ratings from the console (/widget/..., same header). The session and the transcript live in
 * localStorage, so the conversation survives page reloads; `BorderlessWidget.reset()` ends it (call it when the
 * shopper logs out: the assistant forgets any proof of ownership and a new conversation starts). Everything a shopper,
 * the bot or an agent wrote is inserted as text (never as HTML). Bot and agent messages are rendered as a safe
 * Markdown subset by BorderlessMarkdown (static/markdown.js, which the console serves prepended to this file):
 * built from DOM nodes, links only for http(s)/mailto URLs, tables scrolling inside their bubble. A knowledge answer
 * (custom {"type": "answer", answer_id, answer, sources, more, language}) shows the short answer, its sources as
 * chips and a "More" disclosure with the full passage. Each bot reply (the messages answering one shopper
 * message) gets one "Helpful? Yes / No" after its last message, rated by its answer_id (else the reply's id).
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__borderlessWidget) return;
  window.__borderlessWidget = true;

  var ds = script.dataset || {};
  var cfg = {
    rasaUrl: (ds.rasaUrl || "http://127.0.0.1:5005").replace(/\/+$/, ""),
    consoleUrl: (ds.consoleUrl || new URL(script.src, location.href).origin).replace(/\/+$/, ""),
    customerToken: ds.customerToken || "",
    title: ds.title || "Help",
    lang: ds.lang || navigator.language || "en",
    pollMs: parseInt(ds.pollMs || "2500", 10)
  };
  var KEY = "borderless.widget.";
  var RTL = /^(ar|he|fa|ur|ps|yi|dv|ku|sd|ug)(-|$)/i;
  var MAX_LOG = 200;

  function load(name, fallback) {
    try { var v = localStorage.getItem(KEY + name); return v === null ? fallback : JSON.parse(v); }
    catch (e) { return fallback; }
  }
  function save(name, value) {
    try { localStorage.setItem(KEY + name, JSON.stringify(value)); } catch (e) { /* private mode: memory only */ }
  }
  var state = {
    session: load("session", null),
    token: load("token", null),
    expires: load("expires", 0),
    log: load("log", []),
    outboxAfter: load("outbox_after", 0),
    open: load("open", false),
    status: null,
    seq: load("seq", 0)
  };
  // Renew a session a day before it expires; a renewal keeps the conversation id.
  var RENEW_BEFORE_S = 24 * 3600;
  var pendingSession = null;

  function keepSession(s) {
    state.session = s.conversation_id; state.token = s.token; state.expires = s.expires_at;
    save("session", state.session); save("token", state.token); save("expires", state.expires);
    return state.token;
  }
  function requestSession(path, body) {
    return fetch(cfg.consoleUrl + path, {
      method: "POST",
      headers: state.token ? { "Content-Type": "application/json", "Authorization": "Bearer " + state.token } : { "Content-Type": "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(keepSession);
  }
  function ensureSession(force) {
    var fresh = state.token && state.expires - Date.now() / 1000 > RENEW_BEFORE_S;
    if (fresh && !force) return Promise.resolve(state.token);
    if (!pendingSession) {
      var old = force ? null : state.token;
      pendingSession = requestSession("/widget/session", old ? { token: old } : {}).then(
        function (t) { pendingSession = null; return t; },
        function (e) { pendingSession = null; throw e; });
    }
    return pendingSession;
  }
  function authHeaders(extra) {
    var h = extra || {};
    if (state.token) h.Authorization = "Bearer " + state.token;
    return h;
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function safeUrl(url) {
    if (typeof url !== "string" || !url.trim()) return null;
    try {
      var u = new URL(String(url), location.href);
      return (u.protocol === "http:" || u.protocol === "https:") ? u.href : null;
    } catch (e) { return null; }
  }
  var markdown = window.BorderlessMarkdown;
  // A source link: an absolute http(s) URL only.
  function sourceHref(url) {
    var href = markdown.safeHref(url);
    return href && /^https?:/i.test(href) ? href : null;
  }
  function isAnswer(custom) {
    return !!custom && custom.type === "answer" && (typeof custom.answer === "string" || typeof custom.more === "string");
  }

  // --- DOM ------------------------------------------------------------------------------------------------
  var css = document.createElement("link");
  css.rel = "stylesheet"; css.href = cfg.consoleUrl + "/widget.css";
  document.head.appendChild(css);

  var root = el("div", "blw-root"); root.id = "borderless-widget";
  root.setAttribute("lang", cfg.lang);
  if (RTL.test(cfg.lang)) root.setAttribute("dir", "rtl");
  var launcher = el("button", "blw-launcher", "Chat with us");
  launcher.type = "button"; launcher.setAttribute("aria-label", "Open the chat");
  var panel = el("section", "blw-panel");
  panel.setAttribute("role", "dialog"); panel.setAttribute("aria-label", cfg.title);
  var header = el("header", "blw-header");
  var title = el("span", "blw-title", cfg.title);
  var endBtn = el("button", "blw-end", "End chat"); endBtn.type = "button";
  var closeBtn = el("button", "blw-close", "\u00d7"); closeBtn.type = "button";
  closeBtn.setAttribute("aria-label", "Close the chat");
  header.appendChild(title); header.appendChild(endBtn); header.appendChild(closeBtn);
  var banner = el("div", "blw-status"); banner.hidden = true; banner.setAttribute("role", "status");
  var logEl = el("div", "blw-log"); logEl.setAttribute("role", "log"); logEl.setAttribute("aria-live", "polite");
  var typing = el("div", "blw-typing"); typing.hidden = true; typing.setAttribute("aria-label", "The assistant is typing");
  typing.appendChild(el("span")); typing.appendChild(el("span")); typing.appendChild(el("span"));
  var form = el("form", "blw-form");
  var input = el("input", "blw-input");
  input.type = "text"; input.maxLength = 2000; input.setAttribute("dir", "auto"); input.autocomplete = "off";
  input.placeholder = "Type your message\u2026"; input.setAttribute("aria-label", "Your message");
  var send = el("button", "blw-send", "Send"); send.type = "submit";
  form.appendChild(input); form.appendChild(send);
  panel.appendChild(header); panel.appendChild(banner); panel.appendChild(logEl); panel.appendChild(typing);
  panel.appendChild(form);
  root.appendChild(panel); root.appendChild(launcher);

  function setOpen(open) {
    state.open = open; save("open", open);
    panel.hidden = !open; launcher.hidden = open;
    root.classList.toggle("blw-open", open);
    if (open) { input.focus(); scrollDown(); poll(); }
  }
  function scrollDown() { logEl.scrollTop = logEl.scrollHeight; }

  // --- messages ---------------------------------------------------------------------------------------------
  function remember(entry) {
    state.seq += 1; save("seq", state.seq);
    entry.id = entry.id || ("m" + state.seq);
    state.log.push(entry);
    if (state.log.length > MAX_LOG) state.log = state.log.slice(-MAX_LOG);
    save("log", state.log);
    return entry;
  }
  function persist() { save("log", state.log); }

  function renderEntry(entry) {
    var row = el("div", "blw-row blw-" + entry.from);
    row.dataset.id = entry.id;
    if (entry.reply) row.dataset.reply = entry.reply;
    if (entry.from === "agent" && entry.agent) row.appendChild(el("div", "blw-agent-name", entry.agent));
    var custom = entry.custom;
    if (isAnswer(custom)) {
      row.appendChild(answerBubble(custom, entry.text));
    } else if (entry.text) {
      var bubble = el("div", "blw-bubble");
      bubble.setAttribute("dir", "auto");
      // What shoppers type and the widget's own notices are plain text; the bot's and agents' are Markdown.
      if (entry.from === "bot" || entry.from === "agent") {
        bubble.classList.add("blw-md");
        markdown.render(bubble, entry.text);
      } else {
        bubble.textContent = String(entry.text);
      }
      row.appendChild(bubble);
    }
    if (entry.image && safeUrl(entry.image)) {
      var img = el("img", "blw-image"); img.src = safeUrl(entry.image); img.alt = "";
      row.appendChild(img);
    }
    var buttons = entry.buttons || [];
    if (buttons.length) {
      var group = el("div", "blw-buttons");
      buttons.forEach(function (b) {
        var btn = el("button", "blw-button", b.title || b.payload);
        btn.type = "button";
        btn.addEventListener("click", function () { choose(b); });
        group.appendChild(btn);
      });
      row.appendChild(group);
    }
    var quick = entry.quick_replies || [];
    if (quick.length && !entry.quickUsed) {
      var chips = el("div", "blw-quick");
      quick.forEach(function (q) {
        var chip = el("button", "blw-chip", q.title || q.payload);
        chip.type = "button";
        chip.addEventListener("click", function () {
          entry.quickUsed = true; persist(); chips.remove(); choose(q);
        });
        chips.appendChild(chip);
      });
      row.appendChild(chips);
    }
    if (custom && custom.type === "product_cards" && Array.isArray(custom.products)) {
      row.appendChild(productCards(custom.products));
    } else if (custom && custom.type === "csat_request") {
      row.appendChild(csatForm(entry));
    }
    if (entry.rate) row.appendChild(rating(entry));
    logEl.appendChild(row);
    return row;
  }

  // A knowledge answer: the short answer, a "More" disclosure holding the full passage (rendered only when
  // opened), and the sources as chips. `fallbackText` (the message's text) is used when the answer is empty.
  function answerBubble(custom, fallbackText) {
    var bubble = el("div", "blw-bubble blw-md blw-answer");
    bubble.setAttribute("dir", "auto");
    if (typeof custom.language === "string" && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(custom.language)) {
      bubble.setAttribute("lang", custom.language);
    }
    markdown.render(bubble, custom.answer || fallbackText || "");
    if (typeof custom.more === "string" && custom.more.trim()) {
      var more = el("details", "blw-more");
      var summary = el("summary", "blw-more-toggle", "More");
      more.appendChild(summary);
      var passage = el("div", "blw-more-body");
      more.appendChild(passage);
      more.addEventListener("toggle", function () {
        if (more.open && !passage.firstChild) markdown.render(passage, custom.more);
        summary.textContent = more.open ? "Less" : "More";
      });
      bubble.appendChild(more);
    }
    var sources = Array.isArray(custom.sources) ? custom.sources.slice(0, 5) : [];
    var chips = el("div", "blw-sources");
    sources.forEach(function (src) {
      if (!src || typeof src !== "object") return;
      var href = sourceHref(src.url);
      var label = String(src.title || "").trim() || (href ? markdown.shortUrl(href) : "");
      if (!label) return;
      var chip = href ? el("a", "blw-source", label) : el("span", "blw-source", label);
      chip.title = href ? label + " \u2014 " + href : label; // the whole title, when the chip cuts it short
      if (href) { chip.href = href; chip.target = "_blank"; chip.rel = "noopener noreferrer"; }
      chip.setAttribute("dir", "auto");
      chips.appendChild(chip);
    });
    if (chips.firstChild) {
      chips.insertBefore(el("span", "blw-sources-label", "Source:"), chips.firstChild);
      bubble.appendChild(chips);
    }
    return bubble;
  }

  function productCards(products) {
    var list = el("div", "blw-cards");
    products.slice(0, 10).forEach(function (p) {
      var card = el("article", "blw-card");
      var img = safeUrl(p.image_url);
      if (img) { var i = el("img", "blw-card-img"); i.src = img; i.alt = String(p.title || ""); card.appendChild(i); }
      card.appendChild(el("div", "blw-card-title", p.title || ""));
      var price = "";
      if (typeof p.price === "number") {
        try {
          price = new Intl.NumberFormat(cfg.lang, { style: "currency", currency: p.currency || "EUR" }).format(p.price);
        } catch (e) { price = p.price.toFixed(2) + " " + (p.currency || ""); }
      }
      card.appendChild(el("div", "blw-card-price", price));
      var href = safeUrl(p.url);
      if (href) {
        var a = el("a", "blw-card-link", "View"); a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer";
        card.appendChild(a);
      }
      list.appendChild(card);
    });
    return list;
  }

  // One per reply, on the reply's last message; the rating names the reply's answer (answer_id) when it has one.
  function rating(entry) {
    var box = el("div", "blw-rate");
    box.appendChild(el("span", "blw-rate-q", "Helpful?"));
    [["up", 1, "Yes", "This answer helped"], ["down", -1, "No", "This answer did not help"]].forEach(function (r) {
      var b = el("button", "blw-rate-" + r[0], r[2]);
      b.type = "button"; b.setAttribute("aria-label", r[3]); b.title = r[3];
      if (entry.rated === r[1]) b.classList.add("blw-rated");
      b.disabled = entry.rated !== undefined && entry.rated !== null;
      b.addEventListener("click", function () {
        entry.rated = r[1]; persist();
        box.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
        b.classList.add("blw-rated");
        feedback({
          kind: "answer", value: r[1], message_ref: String(entry.rate.ref).slice(0, 255),
          answer_text: String(entry.rate.text || "").slice(0, 1000)
        });
      });
      box.appendChild(b);
    });
    return box;
  }

  function csatForm(entry) {
    var box = el("div", "blw-csat");
    if (entry.csatDone) { box.appendChild(el("div", "blw-csat-thanks", "Thanks for your feedback!")); return box; }
    box.appendChild(el("div", "blw-csat-q", "How was this conversation?"));
    var stars = el("div", "blw-stars");
    var comment = el("input", "blw-csat-comment");
    comment.type = "text"; comment.maxLength = 500; comment.placeholder = "Anything to add? (optional)";
    comment.setAttribute("dir", "auto");
    [1, 2, 3, 4, 5].forEach(function (n) {
      var s = el("button", "blw-star", "\u2605"); s.type = "button";
      s.setAttribute("aria-label", n + " of 5"); s.dataset.value = String(n);
      s.addEventListener("click", function () {
        feedback({ kind: "csat", value: n, comment: comment.value.slice(0, 500) });
        entry.csatDone = true; persist();
        box.textContent = ""; box.appendChild(el("div", "blw-csat-thanks", "Thanks for your feedback!"));
      });
      stars.appendChild(s);
    });
    box.appendChild(stars); box.appendChild(comment);
    return box;
  }

  function addEntry(entry) { renderEntry(remember(entry)); scrollDown(); }

  // Rasa's REST collector sends a bot message's text, cut at every blank line, as messages of their own and its
  // custom payload after them. For an answer (text: the answer and its citation line, custom: the same answer
  // structured) those text pieces would repeat the answer in bubbles of their own: the pieces just before the
  // answer payload whose text starts with the answer are its text, kept on the answer and not shown again.
  function foldAnswerText(entries) {
    var squash = function (t) { return String(t).replace(/\s+/g, " ").trim(); };
    var plain = function (e) {
      return e.from === "bot" && e.text && !e.custom && !e.buttons && !e.quick_replies && !e.image;
    };
    var out = [];
    entries.forEach(function (e) {
      var answer = isAnswer(e.custom) && !e.text && typeof e.custom.answer === "string" ? squash(e.custom.answer) : "";
      for (var k = 1; answer && k <= out.length && plain(out[out.length - k]); k++) {
        var pieces = out.slice(out.length - k).map(function (p) { return p.text; });
        if (squash(pieces.join("\n\n")).indexOf(answer) === 0) {
          out.splice(out.length - k, k);
          e.text = pieces.join("\n\n");
          break;
        }
      }
      out.push(e);
    });
    return out;
  }

  // The messages answering one shopper message (or one batch of agent messages) form a reply: they share an id,
  // and the last of them carries the reply's one "Helpful?" control when the reply says something to rate.
  function addReply(entries, replyId) {
    entries = foldAnswerText(entries);
    var texts = [], ref = null, closing = false;
    entries.forEach(function (e) {
      e.reply = replyId;
      if (e.custom && e.custom.type === "csat_request") closing = true;
      if (isAnswer(e.custom)) {
        texts.push(e.custom.answer || e.text || "");
        if (typeof e.custom.answer_id === "string" && e.custom.answer_id) ref = e.custom.answer_id;
      } else if (e.text && !e.system) {
        texts.push(e.text);
      }
    });
    // A reply that asks for the conversation's rating (CSAT) gets no "Helpful?" of its own.
    if (entries.length && texts.length && !closing) {
      entries[entries.length - 1].rate = { ref: ref || replyId, text: texts.join("\n\n") };
    }
    entries.forEach(addEntry);
  }

  function fromRasa(m, from) {
    var entry = { from: from || "bot" };
    if (m.text) entry.text = m.text;
    if (m.buttons) entry.buttons = m.buttons;
    if (m.quick_replies) entry.quick_replies = m.quick_replies;
    if (m.image) entry.image = m.image;
    if (m.custom && typeof m.custom === "object") {
      if (m.custom.type === "quick_replies" && Array.isArray(m.custom.options)) entry.quick_replies = m.custom.options;
      else entry.custom = m.custom;
    }
    if (m.attachment && m.attachment.payload && m.attachment.payload.src) entry.image = m.attachment.payload.src;
    if (m.agent) { entry.from = "agent"; entry.agent = m.agent; }
    return entry;
  }

  function metadata() {
    var meta = { page: { url: location.href, title: document.title, referrer: document.referrer }, locale: cfg.lang };
    if (cfg.customerToken) meta.customer_token = cfg.customerToken;
    return meta;
  }

  function choose(button) {
    var url = safeUrl(button.payload);
    if (url && /^https?:/i.test(String(button.payload))) { window.open(url, "_blank", "noopener"); return; }
    sendText(button.payload, button.title || button.payload);
  }

  function sendText(message, shown) {
    var asked = remember({ from: "user", text: shown || message });
    renderEntry(asked);
    typing.hidden = false; scrollDown();
    function post() {
      return fetch(cfg.rasaUrl + "/webhooks/widget/webhook", {
        method: "POST",
        headers: authHeaders({ "Content-Type": "application/json" }),
        body: JSON.stringify({ message: message, metadata: metadata() })
      });
    }
    ensureSession().then(post).then(function (r) {
      // An expired or revoked session: get a new one once and resend.
      if (r.status === 401) return ensureSession(true).then(post);
      return r;
    }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (messages) {
      addReply((messages || []).map(function (m) { return fromRasa(m); }), "reply-" + asked.id);
      poll();
    }).catch(function () {
      addEntry({ from: "system", system: true, text: "Sorry, the assistant can't be reached right now. Please try again in a moment." });
    }).then(function () { typing.hidden = true; });
  }

  function feedback(body) {
    if (!state.token) return Promise.resolve();
    return fetch(cfg.consoleUrl + "/widget/feedback", {
      method: "POST", headers: authHeaders({ "Content-Type": "application/json" }), body: JSON.stringify(body)
    }).catch(function () { /* feedback is best effort */ });
  }

  // --- agent messages and queue status (polled from the console service) -----------------------------------
  var polling = false;
  function showStatus(s) {
    state.status = s;
    if (!s || s.status === "bot" || !s.status) { banner.hidden = true; return; }
    banner.hidden = false;
    if (s.status === "waiting" && s.agents_online === 0) {
      banner.textContent = "No one from our team is online right now. Leave your message here and we'll answer as soon as we're back.";
    } else if (s.status === "waiting") {
      var mins = s.expected_wait_s ? Math.max(1, Math.round(s.expected_wait_s / 60)) : null;
      banner.textContent = "You're number " + s.position + " in the queue" + (mins ? ". Expected wait: about " + mins + " min." : ".");
    } else if (s.status === "active") {
      banner.textContent = "You're chatting with our support team.";
    }
  }
  function poll() {
    if (polling || !state.token) return;
    polling = true;
    var opts = { headers: authHeaders() };
    Promise.all([
      fetch(cfg.consoleUrl + "/widget/messages?after=" + state.outboxAfter, opts).then(function (r) { return r.ok ? r.json() : null; }),
      fetch(cfg.consoleUrl + "/widget/status", opts).then(function (r) { return r.ok ? r.json() : null; })
    ]).then(function (res) {
      var box = res[0];
      if (box && box.messages) {
        // System notices stand alone; consecutive messages of an agent form one reply (named by the outbox id
        // of its first message), in the order they came.
        var run = [], runId = null;
        var endRun = function () { if (run.length) addReply(run, "outbox-" + runId); run = []; };
        box.messages.forEach(function (m) {
          var entry = fromRasa(m, m.agent ? "agent" : "bot");
          if (m.agent) {
            if (run.length && run[0].agent !== entry.agent) endRun();
            if (!run.length) runId = m.id;
            run.push(entry);
            return;
          }
          endRun();
          entry.system = true;
          addEntry(entry);
        });
        endRun();
        state.outboxAfter = box.last_id || state.outboxAfter; save("outbox_after", state.outboxAfter);
      }
      showStatus(res[1]);
    }).catch(function () { /* console unreachable: the bot still works */ }).then(function () { polling = false; });
  }
  setInterval(function () { if (state.open) poll(); }, cfg.pollMs);

  // --- wiring ------------------------------------------------------------------------------------------------------
  launcher.addEventListener("click", function () { setOpen(true); });
  closeBtn.addEventListener("click", function () { setOpen(false); });
  endBtn.addEventListener("click", function () {
    addEntry({ from: "system", system: true, text: "Thanks for chatting with us.", custom: { type: "csat_request" } });
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    sendText(text);
  });
  input.addEventListener("input", function () {
    input.setAttribute("dir", RTL.test(cfg.lang) ? "rtl" : "auto");
  });

  function mount() {
    document.body.appendChild(root);
    state.log.forEach(renderEntry);
    if (!state.log.length) {
      addEntry({ from: "bot", system: true, text: "Hi! Ask me about your order, shipping, returns or our products." });
    }
    setOpen(state.open);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
  window.BorderlessWidget = {
    open: function () { setOpen(true); },
    session: function () { return state.session; },
    // Logout: the console drops the conversation's state in the assistant (any proof of ownership with it)
    // and hands out a new session; the transcript on this device is cleared.
    reset: function () {
      var done = state.token ? requestSession("/widget/logout") : Promise.resolve();
      ["session", "token", "expires", "log", "outbox_after", "seq"].forEach(function (k) { try { localStorage.removeItem(KEY + k); } catch (e) {} });
      state.log = []; state.outboxAfter = 0; state.seq = 0;
      while (logEl.firstChild) logEl.removeChild(logEl.firstChild);
      return done.catch(function () { state.session = null; state.token = null; state.expires = 0; });
    }
  };
})();
