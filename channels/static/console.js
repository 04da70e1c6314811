/*
 * Agents' console: live queue, claim / take over, transcript with translations, customer orders,
 * suggested answers, internal notes, reply, hand back, close. Every value from a shopper or a service is
 * written with textContent, never as HTML; bot and agent messages, their translations and suggested answers are
 * rendered as the same safe Markdown subset as in the widget, by the same renderer (BorderlessMarkdown,
 * static/markdown.js, served prepended to this file). POSTs carry the session's CSRF token.
 */
(function () {
  "use strict";
  var csrf = null, me = null, selected = null, timer = null;
  var $ = function (id) { return document.getElementById(id); };
  var markdown = window.BorderlessMarkdown;

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }
  function api(method, path, body) {
    var opts = { method: method, credentials: "same-origin", headers: {} };
    if (method !== "GET") {
      opts.headers["Content-Type"] = "application/json";
      opts.headers["X-CSRF-Token"] = csrf || "";
      opts.body = JSON.stringify(body || {});
    }
    return fetch(path, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (r.status === 401 && path !== "/api/login") { showLogin(); }
        if (!r.ok) {
          var err = new Error((data.error && data.error.message) || ("HTTP " + r.status));
          err.code = data.error && data.error.code; err.status = r.status;
          err.details = (data.error && data.error.details) || {}; throw err;
        }
        return data;
      });
    });
  }
  function ago(ts) {
    if (!ts) return "";
    var s = Math.max(0, Math.round(Date.now() / 1000 - ts));
    return s < 90 ? s + " s" : Math.round(s / 60) + " min";
  }
  function sentimentTag(label) {
    if (!label || label === "unknown" || label === "neutral") return null;
    return el("span", "sentiment-" + label, label === "negative" ? " \u25cf frustrated" : " \u25cf " + label);
  }

  // One mark per recent shopper message, oldest first: how the conversation went before the handoff.
  function moodTrail(history) {
    if (!history || !history.length) return null;
    var marks = { negative: "\u2212", neutral: "\u00b7", positive: "+" };
    var trail = el("div", "mood", "mood: ");
    history.forEach(function (h) {
      var mark = el("span", "sentiment-" + h.label, marks[h.label] || "?");
      mark.title = h.label + (h.score === null || h.score === undefined ? "" : " " + Number(h.score).toFixed(2));
      trail.appendChild(mark);
      trail.appendChild(document.createTextNode(" "));
    });
    return trail;
  }

  function showLogin() {
    if (timer) { clearInterval(timer); timer = null; }
    $("app").hidden = true; $("login").hidden = false;
  }
  function showApp(data) {
    me = data.user; csrf = data.csrf;
    $("login").hidden = true; $("app").hidden = false;
    $("me").textContent = me.display_name + " (" + me.role + ", " + me.language + ")";
    $("admin").hidden = me.role !== "admin";
    if (me.role === "admin") loadUsers();
    refresh();
    if (!timer) timer = setInterval(refresh, 3000);
  }

  function loadUsers() {
    api("GET", "/api/admin/users").then(function (r) {
      var ul = $("users"); ul.textContent = "";
      r.users.forEach(function (u) { ul.appendChild(el("li", null, u.username + " \u00b7 " + u.role + " \u00b7 " + u.language)); });
    }).catch(function () {});
  }
  $("user-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    $("user-error").textContent = "";
    api("POST", "/api/admin/users", {
      username: $("user-name").value, password: $("user-pass").value, role: $("user-role").value,
      language: $("user-lang").value || "en"
    }).then(function () {
      $("user-name").value = ""; $("user-pass").value = ""; loadUsers();
    }).catch(function (e) { $("user-error").textContent = e.message; });
  });

  $("login-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    $("login-error").textContent = "";
    api("POST", "/api/login", { username: $("login-user").value, password: $("login-pass").value })
      .then(showApp)
      .catch(function (e) { $("login-error").textContent = e.message; });
  });
  $("logout").addEventListener("click", function () {
    api("POST", "/api/logout").then(showLogin, showLogin);
  });

  // --- queue -------------------------------------------------------------------------------------------
  function ticketItem(t, extra) {
    var li = el("li");
    li.dataset.cid = t.conversation_id;
    if (t.conversation_id === selected) li.classList.add("selected");
    var head = el("div");
    head.appendChild(el("strong", null, (extra || "") + t.conversation_id.slice(0, 18)));
    head.appendChild(document.createTextNode(" \u00b7 " + (t.channel || "web") + " \u00b7 " + t.language));
    var tag = sentimentTag(t.sentiment_label); if (tag) head.appendChild(tag);
    li.appendChild(head);
    var info = "waiting " + ago(t.enqueued_at) + " \u00b7 " + t.reason;
    if (t.agent) info = "with " + t.agent;
    if (t.offline) info += " \u00b7 left a message";
    if (t.verified_customer) info += " \u00b7 verified customer";
    li.appendChild(el("div", "meta", info));
    var trail = moodTrail(t.sentiment_history); if (trail) li.appendChild(trail);
    li.appendChild(el("div", "preview", t.last_message || ""));
    li.addEventListener("click", function () { select(t.conversation_id); });
    return li;
  }
  function refresh() {
    api("GET", "/api/queue").then(function (q) {
      $("online").textContent = q.agents_online + " agent(s) online";
      var w = $("waiting"); w.textContent = "";
      q.waiting.forEach(function (t) { w.appendChild(ticketItem(t, "#" + t.position + " ")); });
      var a = $("active"); a.textContent = "";
      q.active.forEach(function (t) { a.appendChild(ticketItem(t, t.mine ? "\u2605 " : "")); });
    }).catch(function () {});
    if (selected) loadConversation();
  }

  // --- conversation ------------------------------------------------------------------------------------------
  function select(cid) { selected = cid; $("notice").textContent = ""; refresh(); }

  function renderMessage(m) {
    var box = el("div", "msg msg-" + m.role);
    var who = m.role === "agent" ? "agent " + (m.agent || "") : m.role;
    var meta = who + (m.at ? " \u00b7 " + new Date(m.at * 1000).toLocaleTimeString() : "");
    if (m.language) meta += " \u00b7 " + m.language;
    var whoEl = el("div", "who", meta);
    if (m.sentiment) { var tag = sentimentTag(m.sentiment.label); if (tag) whoEl.appendChild(tag); }
    box.appendChild(whoEl);
    // Shoppers write plain text; the bot and agents write the Markdown the widget renders, shown the same way.
    var rich = m.role === "bot" || m.role === "agent";
    var text = el("div", rich ? "text text-md" : "text"); text.setAttribute("dir", "auto");
    if (rich) markdown.render(text, m.text); else text.textContent = String(m.text || "");
    box.appendChild(text);
    if (m.translation) {
      var tr = el("div", rich ? "translation text-md" : "translation"); tr.setAttribute("dir", "auto");
      if (rich) markdown.render(tr, m.translation); else tr.textContent = String(m.translation);
      tr.title = "Translation into " + me.language; box.appendChild(tr);
    }
    if (m.original_text) box.appendChild(el("div", "original", "agent wrote: " + m.original_text));
    if (m.buttons && m.buttons.length) box.appendChild(el("div", "original", "buttons: " + m.buttons.join(" | ")));
    if (m.products) {
      box.appendChild(el("div", "original", "product cards: " + m.products.map(function (p) {
        return p.title + " (" + p.price + " " + p.currency + ")";
      }).join("; ")));
    }
    return box;
  }

  // A suggested answer: its title (linked to its source), the text rendered, and a button that copies it into the
  // reply box as Markdown, with the source URL on its own line.
  function suggestion(s) {
    var li = el("li", "suggestion");
    var head = el("div", "suggestion-title");
    var href = markdown.safeHref(s.url);
    if (href && /^https?:/i.test(href)) {
      var a = el("a", null, s.title || markdown.shortUrl(href));
      a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer"; head.appendChild(a);
    } else {
      head.textContent = String(s.title || "");
    }
    li.appendChild(head);
    var body = el("div", "suggestion-text"); body.setAttribute("dir", "auto");
    markdown.render(body, s.text || "");
    li.appendChild(body);
    var use = el("button", "suggestion-use", "Use this answer"); use.type = "button";
    use.addEventListener("click", function () { $("reply-text").value = (s.text || "") + (href ? "\n" + href : ""); });
    li.appendChild(use);
    return li;
  }

  function renderCustomer(c) {
    var box = $("customer"); box.textContent = "";
    if (!c.verified) { box.appendChild(el("p", null, c.note || "Not a verified customer (no signed token).")); return; }
    box.appendChild(el("p", null, "Verified customer " + (c.customer_id || "")));
    var ul = el("ul");
    (c.orders || []).forEach(function (o) {
      var li = el("li", null, o.number + " \u00b7 " + (o.status_label || o.status) + " \u00b7 " + o.total + " " + o.currency);
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }

  function loadConversation() {
    var cid = selected;
    api("GET", "/api/conversations/" + encodeURIComponent(cid)).then(function (c) {
      if (cid !== selected) return;
      $("empty").hidden = true; $("conv").hidden = false;
      $("conv-id").textContent = c.conversation_id;
      var t = c.ticket;
      var status = t ? (t.status === "active" ? "with " + t.agent : t.status) : "with the bot";
      var meta = " \u00b7 " + (c.channel || "web") + " \u00b7 shopper language " + c.shopper_language + " \u00b7 " + status;
      if (t && t.page_url) meta += " \u00b7 on " + t.page_url;
      if (t && t.offline) meta += " \u00b7 left a message while nobody was online";
      $("conv-meta").textContent = meta;
      var heldByOther = t && t.status === "active" && t.agent && t.agent !== me.username;
      $("claim").hidden = !t || c.mine || heldByOther;
      $("takeover").hidden = !heldByOther;
      $("handback").disabled = !c.mine; $("close").disabled = !c.mine;
      $("reply-send").disabled = !c.mine; $("note-add").disabled = !c.mine;
      var tr = $("transcript");
      var atBottom = tr.scrollTop + tr.clientHeight >= tr.scrollHeight - 20;
      tr.textContent = "";
      c.messages.forEach(function (m) { tr.appendChild(renderMessage(m)); });
      (c.system_notes || []).forEach(function (n) { tr.appendChild(el("div", "msg msg-system", n)); });
      if (atBottom) tr.scrollTop = tr.scrollHeight;
      renderCustomer(c.customer);
      var sug = $("suggestions"); sug.textContent = "";
      c.suggestions.forEach(function (s) { sug.appendChild(suggestion(s)); });
      var notes = $("notes"); notes.textContent = "";
      c.notes.forEach(function (n) { notes.appendChild(el("li", null, n.author + ": " + n.text)); });
    }).catch(function (e) {
      if (cid !== selected) return;
      if (e.status === 403) {
        // Not waiting and not ours: nothing of the conversation is shown, only the way to take it over.
        $("empty").hidden = true; $("conv").hidden = false;
        $("conv-id").textContent = cid; $("conv-meta").textContent = "";
        $("transcript").textContent = ""; $("customer").textContent = "";
        $("suggestions").textContent = ""; $("notes").textContent = "";
        $("claim").hidden = true; $("takeover").hidden = !e.details.holder;
        $("handback").disabled = true; $("close").disabled = true;
        $("reply-send").disabled = true; $("note-add").disabled = true;
      }
      $("notice").textContent = e.message;
    });
  }

  function act(path, body, done) {
    if (!selected) return;
    $("notice").textContent = "";
    api("POST", "/api/conversations/" + encodeURIComponent(selected) + "/" + path, body)
      .then(function (r) { if (done) done(r); refresh(); })
      .catch(function (e) { $("notice").textContent = e.message; });
  }
  $("claim").addEventListener("click", function () { act("claim", { takeover: false }); });
  $("takeover").addEventListener("click", function () { act("claim", { takeover: true }); });
  $("handback").addEventListener("click", function () { act("handback"); });
  $("close").addEventListener("click", function () { act("close"); });
  $("reply-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = $("reply-text").value.trim();
    if (!text) return;
    act("reply", { text: text }, function (r) {
      $("reply-text").value = "";
      if (r.note) $("notice").textContent = r.note;
      else if (r.translated) $("notice").textContent = "Sent in " + r.target_language + ": " + r.sent;
    });
  });
  $("note-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = $("note-text").value.trim();
    if (!text) return;
    act("notes", { text: text }, function () { $("note-text").value = ""; });
  });

  api("GET", "/api/me").then(showApp).catch(showLogin);
})();
