/* cdpctl docs: renders the tracking-plan catalog from window.CDPCTL_CATALOG.
   Every value from the plan is written with text nodes (never as HTML), so markup in a name or a
   description shows as text. Routes live in the hash (#/events/order-completed), so deep links survive a
   reload and the site works from file:// with no server. */
(function () {
  "use strict";
  var data = window.CDPCTL_CATALOG || { plan: {}, calls: [] };
  var calls = data.calls || [];
  var byRoute = Object.create(null); // no inherited names: '#/constructor' is no call
  calls.forEach(function (c) { byRoute[c.route] = c; });
  var MAX_LINKS = 300;
  var MAX_ROWS = 200;
  var showAll = {};
  var SECTIONS = [["track", "Track events"], ["page", "Pages"], ["screen", "Screens"], ["identify", "Identify"], ["group", "Group"]];

  // bidi embedding and override characters are shown as escapes: one in a tag or an owner would reorder
  // the text around it ("billing, ecnanif"), so a plan could make the page say what it does not
  var BIDI = /[\u202a-\u202e\u2066-\u2069]/g;
  function shown(text) {
    return String(text).replace(BIDI, function (c) { return "\\u" + c.charCodeAt(0).toString(16); });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        if (key === "text") { node.textContent = shown(attrs[key]); }
        else { node.setAttribute(key, attrs[key]); }
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) { return; }
      node.appendChild(typeof child === "string" ? document.createTextNode(shown(child)) : child);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function value(v) { return typeof v === "string" ? v : JSON.stringify(v); }

  function fold(text) { return String(text || "").toLowerCase(); }

  function propertyText(props) {
    var parts = [];
    (props || []).forEach(function (p) {
      parts.push(p.name, p.description);
      parts.push(propertyText(p.children));
    });
    return parts.join(" ");
  }
  calls.forEach(function (c) {
    c._text = fold([c.label, c.name, c.description, c.owner, (c.tags || []).join(" "), propertyText(c.properties)].join(" "));
  });

  var q = document.getElementById("q");
  var tag = document.getElementById("f-tag");
  var owner = document.getElementById("f-owner");
  var status = document.getElementById("f-status");

  function fill(select, values) {
    values.forEach(function (v) { select.appendChild(el("option", { value: v, text: v })); });
  }
  function unique(list) {
    var seen = Object.create(null);
    list.forEach(function (v) { if (v) { seen[v] = true; } });
    return Object.keys(seen).sort();
  }
  fill(tag, unique([].concat.apply([], calls.map(function (c) { return c.tags || []; }))));
  fill(owner, unique(calls.map(function (c) { return c.owner; })));

  function matches(c) {
    var words = fold(q.value).split(/\s+/).filter(Boolean);
    for (var i = 0; i < words.length; i++) { if (c._text.indexOf(words[i]) < 0) { return false; } }
    if (tag.value && (c.tags || []).indexOf(tag.value) < 0) { return false; }
    if (owner.value && c.owner !== owner.value) { return false; }
    if (status.value && c.status !== status.value) { return false; }
    return true;
  }

  function badge(text, kind) { return el("span", { "class": "badge " + (kind || ""), text: text }); }

  function renderLinks() {
    var links = document.getElementById("links");
    clear(links);
    var shown = calls.filter(matches);
    links.appendChild(el("li", { "class": "count", role: "status", text: shown.length + " of " + calls.length + " calls" }));
    shown.slice(0, MAX_LINKS).forEach(function (c) {
      var a = el("a", { href: "#/" + c.route, "data-route": c.route }, [c.label]);
      if (c.status === "deprecated") { a.appendChild(badge("deprecated", "warn")); }
      links.appendChild(el("li", null, [a]));
    });
    if (shown.length > MAX_LINKS) {
      links.appendChild(el("li", { "class": "count", text: (shown.length - MAX_LINKS) + " more: search or filter to narrow the list" }));
    }
    if (data.changes) { links.appendChild(el("li", { "class": "extra" }, [el("a", { href: "#/changes", text: "Changes" })])); }
    if (data.observed) { links.appendChild(el("li", { "class": "extra" }, [el("a", { href: "#/unplanned", text: "Unplanned events" })])); }
    return shown;
  }

  function table(headers, rows, caption) {
    var head = el("tr", null, headers.map(function (h) { return el("th", { scope: "col", text: h }); }));
    var body = rows.map(function (cells) {
      return el("tr", null, cells.map(function (cell) { return el("td", null, [cell]); }));
    });
    return el("div", { "class": "scroll" }, [el("table", null, [caption ? el("caption", { text: caption }) : null, el("thead", null, [head]), el("tbody", null, body)])]);
  }

  function renderIndex(main) {
    var shown = calls.filter(matches);
    main.appendChild(el("h1", { text: data.plan.name || "Tracking plan" }));
    if (data.plan.description) { main.appendChild(el("p", { text: data.plan.description })); }
    SECTIONS.forEach(function (section) {
      var group = shown.filter(function (c) { return c.type === section[0]; });
      if (!group.length) { return; }
      main.appendChild(el("h2", { text: section[1] + " (" + group.length + ")" }));
      var headers = ["Name", "Description", "Owner", "Tags", "Status"];
      if (data.observed) { headers.push("Volume"); }
      var rows = showAll[section[0]] ? group : group.slice(0, MAX_ROWS);
      main.appendChild(table(headers, rows.map(function (c) {
        var row = [el("a", { href: "#/" + c.route, text: c.label }), c.description, c.owner, (c.tags || []).join(", "),
          c.status === "deprecated" ? badge("deprecated" + (c.note ? ": " + c.note : ""), "warn") : "active"];
        if (data.observed) { row.push(String(c.observed ? c.observed.volume : 0)); }
        return row;
      })));
      main.lastChild.id = "calls-" + section[0];
      if (rows.length < group.length) {
        var more = el("button", { type: "button", "class": "more", text: "Show all " + group.length + " " + section[1].toLowerCase() });
        more.addEventListener("click", function () {
          showAll[section[0]] = true;
          route();
          // focus the first row that was not shown before, not the top of the page
          var links = document.querySelectorAll("#calls-" + section[0] + " a");
          if (links[MAX_ROWS]) { links[MAX_ROWS].focus(); }
        });
        main.appendChild(more);
      }
    });
    if (!shown.length) { main.appendChild(el("p", { "class": "empty", text: "No call matches the search and filters." })); }
  }

  function constraintText(constraints) {
    return Object.keys(constraints || {}).sort().map(function (key) {
      var v = constraints[key];
      if (key === "enum") { return "one of: " + v.map(value).join(", "); }
      return key.replace(/_/g, " ") + ": " + value(v);
    }).join("; ");
  }

  function usedBy(name) {
    var users = (data.shared || {})[name] || [];
    var shown = users.slice(0, 10).join(", ");
    return "used by " + users.length + " call" + (users.length === 1 ? "" : "s") + (users.length ? ": " + shown : "") +
      (users.length > 10 ? " and " + (users.length - 10) + " more" : "");
  }

  function propertyRows(props, rows, depth) {
    (props || []).forEach(function (p) {
      var name = el("code", { text: p.path });
      var details = [p.description || ""];
      if (p.shared) { details.push(" Shared definition '" + p.shared + "', " + usedBy(p.shared) + "."); }
      if (p.ref) { details.push(" Type '" + p.ref + "'."); }
      if (p.examples && p.examples.length) { details.push(" Examples: " + p.examples.map(value).join(", ") + "."); }
      if (p.deprecated) { details.push(" Deprecated."); }
      rows.push([name, p.type, p.required ? "required" : "optional", constraintText(p.constraints), details.join("")]);
      propertyRows(p.children, rows, depth + 1);
    });
    return rows;
  }

  function renderCall(main, c) {
    main.appendChild(el("p", { "class": "crumbs" }, [el("a", { href: "#/", text: "All calls" }), " / " + c.type]));
    var title = el("h1", { text: c.label });
    if (c.status === "deprecated") { title.appendChild(badge("deprecated", "warn")); }
    main.appendChild(title);
    if (c.description) { main.appendChild(el("p", { text: c.description })); }
    if (c.note) { main.appendChild(el("p", { "class": "note", text: c.note })); }
    var facts = el("dl", { "class": "facts" }, [
      el("dt", { text: "Type" }), el("dd", { text: c.type }),
      el("dt", { text: "Owner" }), el("dd", { text: c.owner || "none" }),
      el("dt", { text: "Tags" }), el("dd", { text: (c.tags || []).join(", ") || "none" }),
      el("dt", { text: "Unplanned " + c.field_key }), el("dd", { text: c.additional_properties ? "allowed" : "violations" })
    ]);
    main.appendChild(facts);
    main.appendChild(el("h2", { text: c.field_key === "traits" ? "Traits" : "Properties" }));
    var rows = propertyRows(c.properties, [], 0);
    if (rows.length) { main.appendChild(table(["Path", "Type", "Required", "Constraints", "Description"], rows)); }
    else { main.appendChild(el("p", { text: "No " + c.field_key + " planned." })); }
    if (c.observed) {
      var o = c.observed;
      main.appendChild(el("h2", { text: "Observed" }));
      main.appendChild(el("dl", { "class": "facts" }, [
        el("dt", { text: "Volume" }), el("dd", { text: String(o.volume) }),
        el("dt", { text: "Valid" }), el("dd", { text: String(o.valid) }),
        el("dt", { text: "First seen" }), el("dd", { text: o.first_seen || "never" }),
        el("dt", { text: "Last seen" }), el("dd", { text: o.last_seen || "never" }),
        el("dt", { text: "Never sent" }), el("dd", { text: (o.never_sent || []).join(", ") || "none" })
      ]));
      var codes = Object.keys(o.violations || {});
      if (codes.length) { main.appendChild(table(["Violation code", "Count"], codes.map(function (k) { return [k, String(o.violations[k])]; }))); }
    }
  }

  function renderChanges(main) {
    main.appendChild(el("h1", { text: "Changes" }));
    var changes = data.changes || [];
    if (!changes.length) { main.appendChild(el("p", { text: "No change." })); return; }
    main.appendChild(table(["Severity", "Rule", "Call", "Path", "Change"], changes.map(function (ch) {
      return [ch.severity === "breaking" ? badge("breaking", "bad") : ch.severity, el("code", { text: ch.rule }), ch.call, ch.path, ch.message];
    })));
  }

  function renderUnplanned(main) {
    main.appendChild(el("h1", { text: "Unplanned events" }));
    var list = (data.observed && data.observed.unplanned) || [];
    if (!list.length) { main.appendChild(el("p", { text: "Every event seen is planned." })); return; }
    main.appendChild(table(["Type", "Name", "Volume"], list.map(function (u) { return [u.type, u.name, String(u.volume)]; })));
  }

  function route() {
    var main = document.getElementById("main");
    clear(main);
    var raw = (location.hash || "#/").replace(/^#\/?/, "");
    var path;
    try { path = decodeURIComponent(raw); } catch (e) { path = raw; }  /* a hand-typed '%' is not an escape */
    var c = byRoute[path];
    if (c) { renderCall(main, c); document.title = shown(c.label + " · " + (data.plan.name || "Tracking plan")); }
    else if (path === "changes") { renderChanges(main); document.title = shown("Changes · " + (data.plan.name || "")); }
    else if (path === "unplanned") { renderUnplanned(main); document.title = shown("Unplanned events · " + (data.plan.name || "")); }
    else {
      if (path) { main.appendChild(el("p", { "class": "note", role: "alert", text: "No page '" + path + "' in this catalog." })); }
      renderIndex(main);
      document.title = shown(data.plan.name || "Tracking plan");
    }
    Array.prototype.forEach.call(document.querySelectorAll("#links a"), function (a) {
      if (a.getAttribute("data-route") === path) { a.setAttribute("aria-current", "page"); } else { a.removeAttribute("aria-current"); }
    });
  }

  document.getElementById("plan-name").textContent = shown(data.plan.name || "Tracking plan");
  document.getElementById("plan-version").textContent = data.plan.version ? "v" + data.plan.version : "";
  document.getElementById("search-form").addEventListener("submit", function (e) { e.preventDefault(); });
  [q, tag, owner, status].forEach(function (input) {
    input.addEventListener("input", function () {
      renderLinks();
      var path = (location.hash || "#/").replace(/^#\/?/, "");
      if (!path) { route(); }
    });
  });
  window.addEventListener("hashchange", function () { route(); var m = document.getElementById("main"); if (m) { m.focus(); } });
  // the skip link moves focus to the content; its "#main" is no route, so it must not change the address
  var skip = document.querySelector("a.skip");
  if (skip) {
    skip.addEventListener("click", function (e) {
      e.preventDefault();
      var m = document.getElementById("main");
      if (m) { m.focus(); }
    });
  }
  renderLinks();
  route();
}());
