/*
 * Borderless Markdown: the one renderer of bot answers, for the website widget and the agents' console.
 *
 *   BorderlessMarkdown.render(parentElement, markdownText)   // appends the rendered blocks to parentElement
 *   BorderlessMarkdown.safeHref(url)                          // absolute http(s)/mailto URL, else null
 *
 * The subset: paragraphs and line breaks, **bold** / __bold__, *italics* / _italics_, `inline code`, bullet
 * and numbered lists (nested by indentation), GitHub pipe tables, [links](https://...) and bare http(s) URLs,
 * headings (shown as bold lines), block quotes, fenced code. Everything else stays text.
 *
 * Safety: the output is built with createElement/textContent only, never parsed as HTML, so markup in a message
 * (an <img onerror>, a <script>, HTML in a table cell) is shown as the characters it is. Links are made only for
 * absolute http:, https: and mailto: URLs (checked with the URL parser, so "JaVaScRiPt:" and friends fail);
 * any other link keeps its label as plain text. Nesting is bounded, so hostile input cannot recurse deeply.
 *
 * No build step: the console serves this file prepended to /widget.js and /static/console.js
 * (channels/console/pages.py), so a shop's page still loads the widget with one <script> tag and both use this
 * single source.
 */
(function (global) {
  "use strict";
  if (global.BorderlessMarkdown) return;

  var MAX_DEPTH = 6; // nested emphasis, links in lists in quotes...: deeper stays text
  var MAX_CHARS = 20000; // longer messages are cut (a chat bubble is no place for a book)
  var URL_DISPLAY = 40; // bare URLs are shown shortened: host and path, at most this many characters
  var PUNCT = /[!-/:-@[-`{-~]/;
  var WORD = /[\p{L}\p{N}]/u;
  var SPACE = /\s/;
  var ITEM = /^( *)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*))?$/;
  var FENCE = /^ {0,3}(`{3,}|~{3,})/;
  var HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
  var RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
  var QUOTE = /^ {0,3}> ?/;
  var BARE_URL = /https?:\/\/[^\s<>"'`]+/y;
  var AUTOLINK = /<((?:https?:\/\/|mailto:)[^\s<>]+)>/y;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function safeHref(url) {
    if (typeof url !== "string") return null;
    url = url.trim();
    // Control characters and spaces inside a URL are how filters get fooled; a real link never needs them.
    if (!url || /[\u0000-\u0020\u007f]/.test(url)) return null;
    var u;
    try { u = new URL(url); } catch (e) { return null; }
    return (u.protocol === "http:" || u.protocol === "https:" || u.protocol === "mailto:") ? u.href : null;
  }

  function shortUrl(href) {
    var shown = href.replace(/^https?:\/\/(www\.)?/i, "").replace(/\/$/, "");
    return shown.length > URL_DISPLAY ? shown.slice(0, URL_DISPLAY - 1) + "\u2026" : shown;
  }

  function link(href, cls) {
    var a = el("a", cls || "bl-md-link");
    a.href = href;
    if (!/^mailto:/i.test(href)) { a.target = "_blank"; a.rel = "noopener noreferrer nofollow"; }
    return a;
  }

  // --- inline ------------------------------------------------------------------------------------------------

  // The text, with "\n" as <br>.
  function appendText(parent, text) {
    var parts = text.split("\n");
    parts.forEach(function (part, k) {
      if (k) parent.appendChild(el("br"));
      if (part) parent.appendChild(document.createTextNode(part));
    });
  }

  function runLength(s, i, ch) {
    var k = i;
    while (k < s.length && s[k] === ch) k++;
    return k - i;
  }

  // Index just after the code span that opens at i (a run of n backticks), or -1 when it never closes.
  function codeEnd(s, i, n) {
    var j = i + n;
    while (j < s.length) {
      if (s[j] === "`") {
        var run = runLength(s, j, "`");
        if (run === n) return j + run;
        j += run;
      } else {
        j++;
      }
    }
    return -1;
  }

  // Where the emphasis opened at i by n delimiters `ch` closes, or -1.
  function emphasisClose(s, i, ch, n) {
    var j = i + n;
    while (j < s.length) {
      var c = s[j];
      if (c === "\\") { j += 2; continue; }
      if (c === "`") {
        var ticks = runLength(s, j, "`");
        var end = codeEnd(s, j, ticks);
        j = end < 0 ? j + ticks : end;
        continue;
      }
      if (c === ch) {
        var run = runLength(s, j, ch);
        var after = s[j + run];
        var closes = run === n && !SPACE.test(s[j - 1]) && (ch !== "_" || !after || !WORD.test(after));
        if (closes) return j;
        j += run;
        continue;
      }
      j++;
    }
    return -1;
  }

  // [label](url "title"): {label, url, end} or null. The label may hold balanced brackets.
  function parseLink(s, i) {
    var depth = 0, j = i;
    for (; j < s.length; j++) {
      var c = s[j];
      if (c === "\\") { j++; continue; }
      if (c === "[") depth++;
      else if (c === "]") { depth--; if (depth === 0) break; }
    }
    if (depth !== 0 || s[j + 1] !== "(") return null;
    var label = s.slice(i + 1, j);
    var k = j + 2;
    while (s[k] === " ") k++;
    var url = "";
    if (s[k] === "<") {
      var close = s.indexOf(">", k);
      if (close < 0) return null;
      url = s.slice(k + 1, close);
      k = close + 1;
    } else {
      var parens = 0, start = k;
      for (; k < s.length; k++) {
        var d = s[k];
        if (SPACE.test(d)) break;
        if (d === "(") parens++;
        else if (d === ")") { if (parens === 0) break; parens--; }
      }
      url = s.slice(start, k);
    }
    while (s[k] === " ") k++;
    if (s[k] === '"' || s[k] === "'") { // an optional title, ignored
      var q = s.indexOf(s[k], k + 1);
      if (q < 0) return null;
      k = q + 1;
      while (s[k] === " ") k++;
    }
    if (s[k] !== ")") return null;
    return { label: label, url: url, end: k + 1 };
  }

  function inline(parent, s, depth, inLink) {
    var buf = "";
    var i = 0;
    function flush() { if (buf) { appendText(parent, buf); buf = ""; } }
    while (i < s.length) {
      var c = s[i];
      if (c === "\\" && i + 1 < s.length && PUNCT.test(s[i + 1])) {
        buf += s[i + 1]; i += 2; continue;
      }
      if (c === "`") {
        var ticks = runLength(s, i, "`");
        var end = codeEnd(s, i, ticks);
        if (end < 0) { buf += s.slice(i, i + ticks); i += ticks; continue; }
        flush();
        var code = s.slice(i + ticks, end - ticks).replace(/\n/g, " ");
        if (/^ .*[^ ].* $/.test(code)) code = code.slice(1, -1);
        parent.appendChild(el("code", "bl-md-code", code));
        i = end; continue;
      }
      if (c === "[" && !inLink && depth < MAX_DEPTH) {
        var l = parseLink(s, i);
        if (l) {
          flush();
          var href = safeHref(l.url);
          // An unsafe or broken link keeps its label as text; the URL itself is not shown.
          var holder = href ? link(href) : el("span", "bl-md-unlinked");
          inline(holder, l.label, depth + 1, true);
          parent.appendChild(holder);
          i = l.end; continue;
        }
      }
      if (c === "<" && !inLink) {
        AUTOLINK.lastIndex = i;
        var auto = AUTOLINK.exec(s);
        var autoHref = auto && safeHref(auto[1]);
        if (autoHref) {
          flush();
          var a = link(autoHref); a.textContent = shortUrl(auto[1].replace(/^mailto:/i, "")); a.title = auto[1];
          parent.appendChild(a);
          i += auto[0].length; continue;
        }
      }
      if ((c === "h" || c === "H") && !inLink && (i === 0 || !/[\w/:.]/.test(s[i - 1]))) {
        BARE_URL.lastIndex = i;
        var m = BARE_URL.exec(s);
        if (m) {
          var raw = m[0];
          // Sentence punctuation after a URL is not part of it; a ")" is, when the URL opened one.
          while (raw.length) {
            var last = raw[raw.length - 1];
            if (/[.,;:!?*_~\]]/.test(last)) { raw = raw.slice(0, -1); continue; }
            if (last === ")" && (raw.split("(").length - 1) < (raw.split(")").length - 1)) { raw = raw.slice(0, -1); continue; }
            break;
          }
          var bareHref = safeHref(raw);
          if (bareHref) {
            flush();
            var b = link(bareHref); b.textContent = shortUrl(raw); b.title = raw;
            parent.appendChild(b);
            i += raw.length; continue;
          }
        }
      }
      if ((c === "*" || c === "_") && depth < MAX_DEPTH) {
        var run = runLength(s, i, c);
        var n = Math.min(run, 3);
        var opensOk = i + run < s.length && !SPACE.test(s[i + run]) &&
          (c !== "_" || i === 0 || !WORD.test(s[i - 1]));
        var close = run <= 3 && opensOk ? emphasisClose(s, i, c, n) : -1;
        if (close > i + n) {
          flush();
          var inner = s.slice(i + n, close);
          var node;
          if (n === 3) { node = el("strong"); var em = el("em"); node.appendChild(em); inline(em, inner, depth + 1, inLink); }
          else { node = el(n === 2 ? "strong" : "em"); inline(node, inner, depth + 1, inLink); }
          parent.appendChild(node);
          i = close + n; continue;
        }
        buf += s.slice(i, i + run); i += run; continue;
      }
      buf += c; i++;
    }
    flush();
  }

  // --- blocks ------------------------------------------------------------------------------------------------

  function isBlank(line) { return !line || !line.trim(); }

  // Cells of a pipe-table row: "|" separates unless escaped (\|) or inside a code span.
  function splitRow(line) {
    var s = line.trim();
    if (s[0] === "|") s = s.slice(1);
    if (s.length && s[s.length - 1] === "|" && s[s.length - 2] !== "\\") s = s.slice(0, -1);
    var cells = [], cur = "", inCode = false;
    for (var i = 0; i < s.length; i++) {
      var c = s[i];
      if (c === "\\" && s[i + 1] === "|") { cur += "|"; i++; continue; }
      if (c === "`") inCode = !inCode;
      if (c === "|" && !inCode) { cells.push(cur.trim()); cur = ""; continue; }
      cur += c;
    }
    cells.push(cur.trim());
    return cells;
  }

  function delimiterRow(line) {
    if (!line || line.indexOf("-") < 0 || !/^[\s|:-]+$/.test(line)) return null;
    var cells = splitRow(line);
    for (var i = 0; i < cells.length; i++) if (!/^:?-+:?$/.test(cells[i])) return null;
    return cells.map(function (c) {
      var left = c[0] === ":", right = c[c.length - 1] === ":";
      return left && right ? "center" : right ? "right" : left ? "left" : "";
    });
  }

  function tableStart(lines, i) {
    var head = lines[i];
    if (!head || head.indexOf("|") < 0 || i + 1 >= lines.length) return null;
    var aligns = delimiterRow(lines[i + 1]);
    if (!aligns || aligns.length !== splitRow(head).length) return null;
    return aligns;
  }

  function blockStart(lines, i) {
    var line = lines[i];
    return FENCE.test(line) || HEADING.test(line) || QUOTE.test(line) || RULE.test(line) ||
      ITEM.test(line) || tableStart(lines, i) !== null;
  }

  function cell(tag, text, align, depth) {
    var c = el(tag);
    if (align) c.className = "bl-md-" + align;
    // One box for the content, so a stacked row's cell is two grid items: its label and its value.
    var content = el("span", "bl-md-cell");
    inline(content, text, depth + 1, false);
    c.appendChild(content);
    return c;
  }

  // A table scrolls sideways inside its own box, so it never widens the chat. One of more than WIDE_COLUMNS columns
  // is marked "wide": in a narrow chat (markdown.css, container "bl-chat") its rows are stacked as "header: value"
  // lines, each cell labelled by its column's header (data-label). The explicit ARIA roles keep it a table for
  // screen readers when CSS displays it as blocks.
  var WIDE_COLUMNS = 3;
  function table(lines, i, aligns, depth) {
    var wrap = el("div", aligns.length > WIDE_COLUMNS ? "bl-md-table bl-md-wide" : "bl-md-table");
    wrap.setAttribute("role", "region");
    wrap.setAttribute("tabindex", "0");
    wrap.setAttribute("aria-label", "Table");
    var t = el("table");
    t.setAttribute("role", "table");
    var thead = el("thead"), tr = el("tr"), labels = [];
    tr.setAttribute("role", "row");
    splitRow(lines[i]).forEach(function (text, k) {
      var th = cell("th", text, aligns[k], depth);
      th.setAttribute("role", "columnheader");
      labels.push(th.textContent);
      tr.appendChild(th);
    });
    thead.appendChild(tr); t.appendChild(thead);
    var tbody = el("tbody");
    i += 2;
    for (; i < lines.length && !isBlank(lines[i]) && lines[i].indexOf("|") >= 0; i++) {
      var cells = splitRow(lines[i]);
      var row = el("tr");
      row.setAttribute("role", "row");
      for (var k = 0; k < aligns.length; k++) {
        var td = cell("td", cells[k] || "", aligns[k], depth);
        td.setAttribute("role", "cell");
        td.setAttribute("data-label", labels[k]);
        row.appendChild(td);
      }
      tbody.appendChild(row);
    }
    if (tbody.firstChild) t.appendChild(tbody);
    wrap.appendChild(t);
    return { node: wrap, next: i };
  }

  function list(lines, i, depth) {
    var first = ITEM.exec(lines[i]);
    var indent = first[1].length;
    var ordered = /\d/.test(first[2]);
    var node = el(ordered ? "ol" : "ul", "bl-md-list");
    if (ordered) {
      var start = parseInt(first[2], 10);
      if (start !== 1) node.start = start;
    }
    while (i < lines.length) {
      var m = ITEM.exec(lines[i]);
      if (!m || m[1].length !== indent || /\d/.test(m[2]) !== ordered) break;
      var li = el("li");
      var text = [m[3] || ""];
      i++;
      while (i < lines.length) {
        var line = lines[i];
        if (isBlank(line)) {
          // A blank line ends the list unless another item of it (or a nested one) follows.
          var j = i;
          while (j < lines.length && isBlank(lines[j])) j++;
          var nextItem = j < lines.length && ITEM.exec(lines[j]);
          if (nextItem && nextItem[1].length >= indent) { i = j; }
          else { inline(li, text.join("\n"), depth, false); node.appendChild(li); return { node: node, next: j, ended: true }; }
          if (nextItem[1].length === indent) break;
          continue;
        }
        var sub = ITEM.exec(line);
        if (sub && sub[1].length > indent) {
          if (depth + 1 >= MAX_DEPTH) { text.push(line.trim()); i++; continue; }
          inline(li, text.join("\n"), depth, false); text = [];
          var nested = list(lines, i, depth + 1);
          li.appendChild(nested.node);
          i = nested.next;
          if (nested.ended) {
            if (text.length) inline(li, text.join("\n"), depth, false);
            node.appendChild(li);
            return { node: node, next: i, ended: true };
          }
          continue;
        }
        if (sub || blockStart(lines, i)) break;
        text.push(line.trim());
        i++;
      }
      if (text.length && (text.length > 1 || text[0])) inline(li, text.join("\n"), depth, false);
      node.appendChild(li);
    }
    return { node: node, next: i };
  }

  function blocks(parent, lines, depth) {
    var i = 0;
    while (i < lines.length) {
      var line = lines[i];
      if (isBlank(line)) { i++; continue; }
      var fence = FENCE.exec(line);
      if (fence) {
        var body = [];
        i++;
        while (i < lines.length && lines[i].trim().indexOf(fence[1]) !== 0) body.push(lines[i++]);
        i++;
        var pre = el("pre", "bl-md-pre");
        pre.appendChild(el("code", null, body.join("\n")));
        parent.appendChild(pre);
        continue;
      }
      var heading = HEADING.exec(line);
      if (heading) {
        var h = el("p", "bl-md-heading");
        var strong = el("strong");
        inline(strong, heading[2], depth, false);
        h.appendChild(strong);
        parent.appendChild(h);
        i++;
        continue;
      }
      if (RULE.test(line)) { parent.appendChild(el("hr", "bl-md-rule")); i++; continue; }
      var aligns = tableStart(lines, i);
      if (aligns) {
        var t = table(lines, i, aligns, depth);
        parent.appendChild(t.node);
        i = t.next;
        continue;
      }
      if (ITEM.test(line) && ITEM.exec(line)[3] !== undefined) {
        var l = list(lines, i, depth);
        parent.appendChild(l.node);
        i = l.next;
        continue;
      }
      if (QUOTE.test(line)) {
        var quoted = [];
        while (i < lines.length && QUOTE.test(lines[i])) quoted.push(lines[i++].replace(QUOTE, ""));
        var q = el("blockquote", "bl-md-quote");
        if (depth + 1 < MAX_DEPTH) blocks(q, quoted, depth + 1); else appendText(q, quoted.join("\n"));
        parent.appendChild(q);
        continue;
      }
      var para = [line.trim()];
      i++;
      while (i < lines.length && !isBlank(lines[i]) && !blockStart(lines, i)) para.push(lines[i++].trim());
      var p = el("p");
      inline(p, para.join("\n"), depth, false);
      parent.appendChild(p);
    }
  }

  function render(parent, text) {
    var s = text === undefined || text === null ? "" : String(text);
    if (s.length > MAX_CHARS) s = s.slice(0, MAX_CHARS) + "\u2026";
    var box = el("div", "bl-md");
    blocks(box, s.replace(/\r\n?/g, "\n").replace(/\t/g, "    ").split("\n"), 0);
    parent.appendChild(box);
    return box;
  }

  global.BorderlessMarkdown = { render: render, safeHref: safeHref, shortUrl: shortUrl };
})(window);
