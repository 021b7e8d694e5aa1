// The dashboard: services, notifications, logs and monitoring of one mvi-host, through its public
// HTTP API only (the login cookie authenticates every request). One view at a time, chosen by the
// URL's hash (#/services, #/parameters/<svc>, #/logs?name=&version=, #/notifications,
// #/monitor?service=); a view that polls stops when another is shown.
"use strict";

(() => {
  const POLL_MS = 2000;
  const SPARK_POINTS = 30;
  const view = document.getElementById("view");

  // ---- small helpers ----

  /** An element with attributes (`on<event>` entries become listeners) and children. */
  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "class") node.className = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /** A readable sentence from an error answer's `detail` (a string or the 422 list). */
  function describeDetail(detail) {
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail.map((item) => {
        const where = (item.loc || []).filter((part) => part !== "body" && part !== "query").join(".");
        return where ? `${where}: ${item.msg}` : item.msg;
      }).join("; ");
    }
    return JSON.stringify(detail);
  }

  class ApiError extends Error {
    constructor(status, detail) {
      super(`${status}: ${describeDetail(detail)}`);
      this.status = status;
      this.detail = detail;
    }
  }

  /** Calls the host's API; resolves with the JSON answer, rejects with an ApiError. */
  async function api(method, path, body) {
    const options = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const answer = await fetch(path, options);
    if (answer.status === 401) {
      location.assign("/auth/login?destination=" + encodeURIComponent("/" + location.hash));
      throw new ApiError(401, "not logged in");
    }
    const text = await answer.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (_) { json = text; }
    if (!answer.ok) throw new ApiError(answer.status, json && json.detail !== undefined ? json.detail : text);
    return json;
  }

  function toast(message, bad = false) {
    const note = el("div", { class: bad ? "bad" : "" }, message);
    document.getElementById("toast").append(note);
    setTimeout(() => note.remove(), bad ? 8000 : 4000);
  }

  function since(iso) {
    if (!iso) return "";
    const time = new Date(iso);
    return isNaN(time) ? iso : time.toLocaleString();
  }

  function svcOf(entry) { return `${entry.name}_${entry.version}`; }

  /** The current hash as a view name, a path rest and query parameters. */
  function route() {
    const hash = location.hash.replace(/^#\/?/, "") || "services";
    const [path, query = ""] = hash.split("?");
    const [name, ...rest] = path.split("/");
    return { name, rest: rest.map(decodeURIComponent), params: new URLSearchParams(query) };
  }

  // Work a view started (timers, streams) is stopped when the view changes.
  let cleanups = [];
  function onLeave(fn) { cleanups.push(fn); }
  function every(ms, fn) {
    let stopped = false;
    let timer = null;
    const tick = async () => {
      try { await fn(); } catch (error) { if (!(error instanceof ApiError && error.status === 401)) console.warn(error); }
      if (!stopped) timer = setTimeout(tick, ms);
    };
    tick();
    onLeave(() => { stopped = true; clearTimeout(timer); });
  }

  // ---- services ----

  // Requests counted per version at each poll, for the rate and its sparkline.
  const history = new Map();

  /** Every entrypoint and route of a version, each with its `stats`. */
  function callables(entry) {
    return entry.entrypoints.concat(entry.routes || []);
  }

  function secondsOf(entry) {
    return callables(entry).reduce((sum, callable) => sum + (callable.stats ? callable.stats.seconds : 0), 0);
  }

  function callsOf(entry) {
    return callables(entry).reduce((sum, callable) => sum + (callable.stats ? callable.stats.requests : 0), 0);
  }

  /** Mean milliseconds per call since the previous poll (over all time when none came since). */
  function latencyOf(entry) {
    const points = history.get(svcOf(entry)) || [];
    const last = points[points.length - 1];
    const before = points[points.length - 2];
    if (last && before && last.calls > before.calls) {
      return ((last.seconds - before.seconds) / (last.calls - before.calls)) * 1000;
    }
    return last && last.calls ? (last.seconds / last.calls) * 1000 : null;
  }

  /** The versions whose entrypoint details are open. */
  const openDetails = new Set();

  function entrypointDetails(entry) {
    // Entrypoints, then the service's own routes (method and path), with their counters.
    const rows = entry.entrypoints.map((entrypoint) => [`${entrypoint.method} ${entrypoint.name}`, entrypoint.stats])
      .concat((entry.routes || []).map((route) => [`${route.method} ${route.path}`, route.stats]));
    if (!rows.length) return null;
    const routes = (entry.routes || []).length;
    const summary = `${entry.entrypoints.length} entrypoint(s)` + (routes ? `, ${routes} route(s)` : "");
    // The table is rebuilt at every poll: details a user opened stay open.
    const key = svcOf(entry);
    return el("details", {
      open: openDetails.has(key),
      ontoggle: (event) => { if (event.target.open) openDetails.add(key); else openDetails.delete(key); },
    }, el("summary", {}, summary),
      el("table", { class: "entrypoints" },
        el("thead", {}, el("tr", {}, ["Entrypoint or route", "Calls", "4xx", "5xx", "Mean ms"].map((h) => el("th", {}, h)))),
        el("tbody", {}, rows.map(([label, counted]) => {
          const stats = counted || { requests: 0, client_errors: 0, errors: 0, seconds: 0 };
          return el("tr", {},
            el("td", {}, label),
            el("td", { class: "num" }, stats.requests),
            el("td", { class: "num" }, stats.client_errors),
            el("td", { class: "num" }, stats.errors),
            el("td", { class: "num" }, stats.requests ? ((stats.seconds / stats.requests) * 1000).toFixed(2) : ""));
        }))));
  }

  function rateOf(entry, now) {
    const key = svcOf(entry);
    const points = history.get(key) || [];
    points.push({ time: now, requests: entry.stats.requests, calls: callsOf(entry), seconds: secondsOf(entry) });
    while (points.length > SPARK_POINTS + 1) points.shift();
    history.set(key, points);
    const rates = [];
    for (let i = 1; i < points.length; i++) {
      const seconds = (points[i].time - points[i - 1].time) / 1000;
      rates.push(seconds > 0 ? Math.max(0, points[i].requests - points[i - 1].requests) / seconds : 0);
    }
    return rates;
  }

  function sparkline(rates) {
    const width = 80, height = 18;
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("class", "spark");
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    svg.setAttribute("aria-hidden", "true");
    if (rates.length > 1) {
      const top = Math.max(...rates, 1);
      const points = rates.map((rate, i) =>
        `${(i / (rates.length - 1)) * width},${height - 1 - (rate / top) * (height - 2)}`).join(" ");
      const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
      line.setAttribute("points", points);
      svg.append(line);
    }
    return svg;
  }

  async function assign(entry) {
    if (!confirm(`Make ${entry.name} ${entry.version} the main version?`)) return;
    try {
      await api("PUT", "/services/~assign", { name: entry.name, version: entry.version });
      toast(`${entry.name} ${entry.version} is main`);
    } catch (error) { toast(`Assign refused: ${error.message}`, true); }
    refreshServices();
  }

  async function kill(entry) {
    if (!confirm(`Kill ${entry.name} ${entry.version}? It stops serving and its file is deleted.`)) return;
    try {
      await api("DELETE", "/services/", { name: entry.name, version: entry.version });
      toast(`${entry.name} ${entry.version} killed`);
    } catch (error) { toast(`Kill refused: ${error.message}`, true); }
    refreshServices();
  }

  let refreshServices = () => {};

  function serviceRows(list) {
    const now = Date.now();
    const rows = [];
    let previous = null;
    for (const entry of list) {
      const rates = rateOf(entry, now);
      const rate = rates.length ? rates[rates.length - 1] : 0;
      const latency = latencyOf(entry);
      const first = entry.name !== previous;
      previous = entry.name;
      const svc = svcOf(entry);
      const ready = entry.status === "ready";
      rows.push(el("tr", { class: first ? "name-first" : "", "data-service": svc },
        el("td", {}, el("strong", {}, entry.name), entrypointDetails(entry)),
        el("td", {}, entry.version),
        el("td", {}, entry.main ? el("span", { class: "badge main-badge" }, "main")
                                : el("span", { class: "badge shadow-badge" }, "shadow")),
        el("td", {},
          el("span", { class: `badge status-${entry.status}`, "data-status": entry.status }, entry.status),
          entry.error ? el("div", { class: "error-text" }, entry.error) : null),
        el("td", { class: "hide-narrow" }, since(entry.loaded_since)),
        el("td", { class: "hide-narrow" }, el("code", { title: entry.artifact.sha256 }, (entry.artifact.sha256 || "").slice(0, 12))),
        el("td", { class: "num" }, entry.stats.requests),
        el("td", { class: "num" }, entry.stats.errors),
        el("td", { class: "num hide-narrow" }, entry.main ? "" : entry.stats.mirrored),
        el("td", { class: "num" }, rate.toFixed(1), " ", sparkline(rates)),
        el("td", { class: "num hide-narrow" }, latency === null ? "" : latency.toFixed(2)),
        el("td", {}, el("div", { class: "actions" },
          !entry.main && ready ? el("button", { type: "button", onclick: () => assign(entry) }, "Make main") : null,
          el("button", { type: "button", class: "danger", onclick: () => kill(entry) }, "Kill"),
          ready && entry.parameters.length ? el("a", { href: `#/parameters/${encodeURIComponent(svc)}` }, "Parameters") : null,
          el("a", { href: `#/logs?name=${encodeURIComponent(entry.name)}&version=${encodeURIComponent(entry.version)}` }, "Logs"),
          ready ? el("a", { href: `/services/${encodeURIComponent(svc)}/docs` }, "API docs") : null,
          el("a", { href: `#/monitor?service=${encodeURIComponent(entry.name)}` }, "Monitoring")))));
    }
    return rows;
  }

  function deployPanel() {
    const name = el("input", { name: "name", required: true, pattern: "[a-z0-9_]+", placeholder: "hello", autocomplete: "off" });
    const version = el("input", { name: "version", required: true, placeholder: "1.0.0", autocomplete: "off" });
    const file = el("input", { type: "file", name: "file", accept: ".so,.gz,.tgz,application/gzip" });
    const progress = el("progress", { max: 100, value: 0, hidden: true });
    const result = el("p", { class: "deploy-result", "aria-live": "polite" });
    const drop = el("div", { class: "drop" }, "Drop a .so or .tar.gz here, or choose it: ", file);

    function upload(chosen) {
      if (!chosen) { result.className = "deploy-result result-bad"; result.textContent = "Choose a file first."; return; }
      if (!name.value || !version.value) {
        const guess = /^([a-z0-9_]+?)_(\d[^/]*?)\.so$/.exec(chosen.name);
        if (guess) { name.value = name.value || guess[1]; version.value = version.value || guess[2]; }
      }
      if (!name.value || !version.value) {
        result.className = "deploy-result result-bad";
        result.textContent = "Give the service's name and version.";
        return;
      }
      const form = new FormData();
      form.append("name", name.value);
      form.append("version", version.value);
      form.append("file", chosen, chosen.name);
      const request = new XMLHttpRequest();
      request.open("POST", "/services/~tar");
      request.setRequestHeader("Accept", "application/json");
      request.upload.onprogress = (event) => {
        if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
      };
      request.onload = () => {
        progress.hidden = true;
        let body = null;
        try { body = JSON.parse(request.responseText); } catch (_) { body = null; }
        if (request.status >= 200 && request.status < 300) {
          result.className = "deploy-result result-ok";
          result.textContent = `${body.name} ${body.version} deployed: ${body.status}${body.main ? " (main)" : " (shadow)"}`;
        } else {
          result.className = "deploy-result result-bad";
          result.textContent = `Not deployed (${request.status}): ${body ? describeDetail(body.detail) : request.responseText}`;
        }
        refreshServices();
      };
      request.onerror = () => {
        progress.hidden = true;
        result.className = "deploy-result result-bad";
        result.textContent = "The upload did not reach the host.";
      };
      progress.value = 0;
      progress.hidden = false;
      result.className = "deploy-result";
      result.textContent = `Uploading ${chosen.name}…`;
      request.send(form);
    }

    drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (event) => {
      event.preventDefault();
      drop.classList.remove("over");
      if (event.dataTransfer.files.length) upload(event.dataTransfer.files[0]);
    });
    return el("form", { class: "panel", onsubmit: (event) => { event.preventDefault(); upload(file.files[0]); } },
      el("h2", {}, "Deploy a version"),
      el("div", { class: "row" },
        el("label", {}, "Name", name),
        el("label", {}, "Version", version),
        el("button", { type: "submit", class: "primary" }, "Deploy")),
      drop, progress, result);
  }

  function showServices() {
    const body = el("tbody");
    const summary = el("p", { class: "muted" });
    view.replaceChildren(
      el("h1", {}, "Services"),
      summary,
      el("div", { class: "table-wrap" }, el("table", { id: "services" },
        el("thead", {}, el("tr", {},
          ["Name", "Version", "Role", "Status"].map((h) => el("th", {}, h)),
          el("th", { class: "hide-narrow" }, "Loaded since"),
          el("th", { class: "hide-narrow" }, "Build"),
          el("th", {}, "Requests"), el("th", {}, "Errors"),
          el("th", { class: "hide-narrow" }, "Mirrored"),
          el("th", {}, "Req/s"), el("th", { class: "hide-narrow" }, "Mean ms"), el("th", {}, "Actions"))),
        body)),
      deployPanel());
    refreshServices = async () => {
      const list = await api("GET", "/services/");
      const names = new Set(list.map((entry) => entry.name));
      summary.textContent = `${names.size} service(s), ${list.length} version(s); updated ${new Date().toLocaleTimeString()}`;
      body.replaceChildren(...(list.length ? serviceRows(list)
        : [el("tr", {}, el("td", { colspan: 12, class: "muted" }, "Nothing deployed yet."))]));
      // The frame that first shows the list (the benchmark's first paint of the services view).
      if (!performance.getEntriesByName("mvi:services-shown").length) {
        requestAnimationFrame(() => performance.mark("mvi:services-shown"));
      }
    };
    every(POLL_MS, refreshServices);
  }

  // ---- parameters ----

  function parameterInput(name, described) {
    const schema = described.schema || {};
    const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
    const common = { name, id: `parameter-${name}`, disabled: !described.exposed };
    if (Array.isArray(schema.enum)) {
      const select = el("select", common, schema.enum.map((option) =>
        el("option", { value: JSON.stringify(option), selected: JSON.stringify(option) === JSON.stringify(described.value) }, String(option))));
      return { node: select, read: () => JSON.parse(select.value) };
    }
    if (type === "boolean") {
      const box = el("input", { ...common, type: "checkbox", checked: described.value === true });
      return { node: box, read: () => box.checked };
    }
    if (type === "integer" || type === "number") {
      const input = el("input", { ...common, type: "text", inputmode: "decimal", value: JSON.stringify(described.value) });
      // Sent as JSON, so the host's own validation answers a wrong value (422, shown inline).
      return { node: input, read: () => { try { return JSON.parse(input.value); } catch (_) { return input.value; } } };
    }
    if (type === "string") {
      const input = el("input", { ...common, type: "text", value: described.value });
      return { node: input, read: () => input.value };
    }
    const area = el("textarea", { ...common, rows: 3, cols: 40 }, JSON.stringify(described.value, null, 1));
    return { node: area, read: () => JSON.parse(area.value) };
  }

  async function showParameters(svc) {
    view.replaceChildren(el("h1", {}, `Parameters of ${svc}`), el("p", { class: "muted" }, "Loading…"));
    let described;
    try { described = await api("GET", `/services/${encodeURIComponent(svc)}/~parameters/~schema`); }
    catch (error) { view.replaceChildren(el("h1", {}, `Parameters of ${svc}`), el("p", { class: "result-bad" }, error.message)); return; }
    const rows = Object.entries(described).map(([name, parameter]) => {
      const input = parameterInput(name, parameter);
      const problem = el("div", { class: "field-error", id: `parameter-${name}-error`, "aria-live": "polite" });
      const save = el("button", { type: "submit", disabled: !parameter.exposed }, "Set");
      const form = el("form", { class: "row", "data-parameter": name, onsubmit: async (event) => {
        event.preventDefault();
        problem.textContent = "";
        let value;
        try { value = input.read(); } catch (error) { problem.textContent = `Not JSON: ${error.message}`; return; }
        try {
          await api("POST", `/services/${encodeURIComponent(svc)}/~parameters/${encodeURIComponent(name)}`, { value });
          toast(`${name} set`);
        } catch (error) { problem.textContent = describeDetail(error.detail); }
      } }, input.node, save);
      return el("tr", {},
        el("th", {}, el("label", { for: `parameter-${name}` }, name)),
        el("td", {}, el("code", {}, JSON.stringify(parameter.schema))),
        el("td", {}, form, problem, parameter.exposed ? null : el("div", { class: "muted" }, "read-only over HTTP")));
    });
    view.replaceChildren(
      el("h1", {}, `Parameters of ${svc}`),
      el("p", {}, el("a", { href: "#/services" }, "← Services")),
      el("div", { class: "table-wrap" }, el("table", { id: "parameters" },
        el("thead", {}, el("tr", {}, el("th", {}, "Parameter"), el("th", {}, "Schema"), el("th", {}, "Value"))),
        el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", { colspan: 3 }, "No parameters."))))));
  }

  // ---- logs ----

  async function showLogs(params) {
    const services = await api("GET", "/services/").catch(() => []);
    const choices = [{ label: "the host itself", name: "", version: "" }].concat(
      services.map((entry) => ({ label: `${entry.name} ${entry.version}${entry.main ? " (main)" : ""}`, name: entry.name, version: entry.version })));
    const wanted = `${params.get("name") || ""} ${params.get("version") || ""}`;
    const source = el("select", { name: "source" }, choices.map((choice, i) =>
      el("option", { value: i, selected: `${choice.name} ${choice.version}` === wanted }, choice.label)));
    const tail = el("input", { name: "tail", type: "number", min: 0, value: params.get("tail") || 200, size: 6 });
    const from = el("input", { name: "since", type: "datetime-local", step: 1 });
    const follow = el("input", { name: "follow", type: "checkbox", checked: params.get("follow") === "true" });
    const search = el("input", { name: "search", type: "search", placeholder: "Search loaded lines" });
    const output = el("pre", { class: "log", id: "log", tabindex: 0, "aria-label": "Log lines" });
    const status = el("p", { class: "muted", "aria-live": "polite" });
    let lines = [];
    let controller = null;

    function render() {
      const needle = search.value.toLowerCase();
      const shown = needle ? lines.filter((line) => line.toLowerCase().includes(needle)) : lines;
      const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 4;
      output.replaceChildren(...shown.map((line) => {
        const level = (/^\S+ (DEBUG|INFO|WARNING|ERROR) /.exec(line) || [])[1] || "";
        return el("span", { class: level }, line + "\n");
      }));
      if (atBottom) output.scrollTop = output.scrollHeight;
      status.textContent = `${shown.length} of ${lines.length} line(s)${controller ? ", following" : ""}`;
    }

    async function load() {
      if (controller) controller.abort();
      controller = new AbortController();
      const choice = choices[Number(source.value)];
      const query = new URLSearchParams();
      if (tail.value !== "") query.set("tail", tail.value);
      if (from.value) query.set("since", new Date(from.value).toISOString());
      query.set("follow", follow.checked ? "true" : "false");
      let path = "/logs/stream";
      if (choice.name) {
        query.set("name", choice.name);
        query.set("version", choice.version);
        path = "/services/~logs";
      }
      lines = [];
      render();
      const mine = controller;
      try {
        const answer = await fetch(`${path}?${query}`, { credentials: "same-origin", signal: mine.signal });
        if (!answer.ok) {
          const text = await answer.text();
          let detail = text;
          try { detail = describeDetail(JSON.parse(text).detail); } catch (_) { /* plain text */ }
          throw new Error(`${answer.status}: ${detail}`);
        }
        const reader = answer.body.getReader();
        const decoder = new TextDecoder();
        let pending = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          pending += decoder.decode(value, { stream: true });
          const parts = pending.split("\n");
          pending = parts.pop();
          if (parts.length) { lines.push(...parts); render(); }
        }
        if (pending) lines.push(pending);
      } catch (error) {
        if (error.name !== "AbortError") toast(`Log: ${error.message}`, true);
      }
      if (controller === mine) controller = null;
      render();
    }

    function download() {
      const choice = choices[Number(source.value)];
      const blob = new Blob([lines.join("\n") + "\n"], { type: "text/plain" });
      const link = el("a", { href: URL.createObjectURL(blob), download: choice.name ? `${choice.name}_${choice.version}.log` : "mvi-host.log" });
      document.body.append(link);
      link.click();
      setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 0);
    }

    search.addEventListener("input", render);
    onLeave(() => { if (controller) controller.abort(); });
    view.replaceChildren(
      el("h1", {}, "Logs"),
      el("form", { class: "panel row", onsubmit: (event) => { event.preventDefault(); load(); } },
        el("label", {}, "Log of", source),
        el("label", {}, "Last lines", tail),
        el("label", {}, "Since", from),
        el("label", { class: "inline" }, follow, "Follow"),
        el("button", { type: "submit", class: "primary" }, "Show"),
        el("label", {}, "Search", search),
        el("button", { type: "button", onclick: download }, "Download")),
      status, output);
    load();
  }

  // ---- notifications ----

  async function refreshNotificationCount() {
    const list = await api("GET", "/notifications/");
    const count = Object.keys(list).length;
    const badge = document.getElementById("notification-count");
    badge.hidden = count === 0;
    badge.textContent = count;
    return list;
  }

  function showNotifications() {
    const list = el("div", { id: "notifications" });
    const clear = el("button", { type: "button", class: "danger", onclick: async () => {
      if (!confirm("Clear every notification?")) return;
      try { await api("DELETE", "/notifications/"); toast("Notifications cleared"); }
      catch (error) { toast(error.message, true); }
      refresh();
    } }, "Clear all");
    const names = ["info", "warning", "critical"];
    async function refresh() {
      const notifications = await refreshNotificationCount();
      const entries = Object.entries(notifications).sort((a, b) => String(b[1].timestamp).localeCompare(String(a[1].timestamp)));
      list.replaceChildren(...(entries.length ? entries.map(([id, n]) =>
        el("div", { class: `panel notification severity-${n.severity}`, "data-id": id },
          el("div", {}, el("span", { class: "badge" }, n.severity_name || names[n.severity] || n.severity), " ",
            el("strong", {}, n.msg), n.counter > 1 ? el("span", { class: "count", title: "times raised" }, ` ×${n.counter}`) : null),
          el("div", { class: "meta" }, `${n.service_name} ${n.service_version} · last ${since(n.timestamp)}`,
            n.first_timestamp && n.counter > 1 ? ` · first ${since(n.first_timestamp)}` : "")))
        : [el("p", { class: "muted" }, "No notifications.")]));
    }
    view.replaceChildren(el("h1", {}, "Notifications"), el("p", {}, clear), list);
    every(POLL_MS, refresh);
  }

  // ---- monitoring ----

  async function showMonitor(params) {
    const services = await api("GET", "/services/").catch(() => []);
    const names = [...new Set(services.map((entry) => entry.name))];
    const service = el("select", { name: "service" }, names.map((name) =>
      el("option", { value: name, selected: name === params.get("service") }, name)));
    const start = el("input", { name: "start", type: "datetime-local", step: 1 });
    const end = el("input", { name: "end", type: "datetime-local", step: 1 });
    const variables = el("fieldset", { class: "row" }, el("legend", {}, "Variables"));
    const charts = el("div", { id: "charts" });
    const exports = el("p");
    let known = [];

    function query(selected) {
      const q = new URLSearchParams();
      for (const name of selected) q.append("variables", name);
      if (start.value) q.set("start", new Date(start.value).toISOString());
      if (end.value) q.set("end", new Date(end.value).toISOString());
      return q;
    }

    async function discover() {
      charts.replaceChildren();
      if (!service.value) { variables.replaceChildren(el("legend", {}, "Variables"), el("span", { class: "muted" }, "No service.")); return; }
      const all = await api("GET", `/services/${encodeURIComponent(service.value)}/~monitor?${query([])}`).catch((error) => { toast(error.message, true); return {}; });
      known = Object.keys(all).sort();
      variables.replaceChildren(el("legend", {}, "Variables"), ...(known.length ? known.map((name) =>
        el("label", { class: "inline" }, el("input", { type: "checkbox", name: "variable", value: name, checked: true }), name))
        : [el("span", { class: "muted" }, "No monitoring data for this service in this range.")]));
      draw(all);
    }

    function draw(data) {
      charts.replaceChildren();
      const svc = encodeURIComponent(service.value);
      const selected = [...variables.querySelectorAll("input[name=variable]:checked")].map((box) => box.value);
      exports.replaceChildren("Export: ",
        el("a", { href: `/services/${svc}/~monitor/csv?${query(selected)}` }, "CSV (zip)"), " · ",
        el("a", { href: `/services/${svc}/~monitor/db?${query(selected)}` }, "SQLite"));
      for (const name of selected) {
        const series = data[name];
        if (!series) continue;
        const times = series.timestamp.map((t) => new Date(/Z|[+-]\d\d:?\d\d$/.test(t) ? t : t + "Z").getTime() / 1000);
        const numeric = series.value.every((v) => typeof v === "number");
        const box = el("section", { class: "chart", "data-variable": name }, el("h2", {}, name));
        charts.append(box);
        if (numeric && window.uPlot && times.length) {
          const width = Math.max(280, Math.min(charts.clientWidth || 800, 1100));
          new window.uPlot({ width, height: 220, series: [{}, { label: name, stroke: "#2457c5", width: 1.5 }],
            scales: { x: { time: true } } }, [times, series.value], box);
        } else {
          box.append(el("div", { class: "table-wrap" }, el("table", {},
            el("thead", {}, el("tr", {}, el("th", {}, "Time"), el("th", {}, "Value"))),
            el("tbody", {}, series.value.slice(-500).map((value, i) =>
              el("tr", {}, el("td", {}, since(series.timestamp[i + Math.max(0, series.value.length - 500)])),
                el("td", {}, typeof value === "string" ? value : JSON.stringify(value))))))));
        }
      }
    }

    async function plot(event) {
      if (event) event.preventDefault();
      const selected = [...variables.querySelectorAll("input[name=variable]:checked")].map((box) => box.value);
      if (!selected.length) { charts.replaceChildren(el("p", { class: "muted" }, "Choose a variable.")); return; }
      try { draw(await api("GET", `/services/${encodeURIComponent(service.value)}/~monitor?${query(selected)}`)); }
      catch (error) { toast(error.message, true); }
    }

    service.addEventListener("change", discover);
    view.replaceChildren(
      el("h1", {}, "Monitoring"),
      el("form", { class: "panel", onsubmit: plot },
        el("div", { class: "row" }, el("label", {}, "Service", service), el("label", {}, "From", start), el("label", {}, "To", end),
          el("button", { type: "submit", class: "primary" }, "Plot")),
        variables),
      exports, charts);
    discover();
  }

  // ---- the frame ----

  async function show() {
    for (const cleanup of cleanups) cleanup();
    cleanups = [];
    const current = route();
    for (const link of document.querySelectorAll(".top nav a")) {
      link.classList.toggle("active", link.dataset.view === current.name ||
        (current.name === "parameters" && link.dataset.view === "services"));
    }
    try {
      if (current.name === "notifications") showNotifications();
      else if (current.name === "logs") await showLogs(current.params);
      else if (current.name === "monitor") await showMonitor(current.params);
      else if (current.name === "parameters" && current.rest[0]) await showParameters(current.rest[0]);
      else showServices();
    } catch (error) {
      view.replaceChildren(el("p", { class: "result-bad" }, error.message));
    }
    view.focus();
  }

  async function start() {
    try {
      const who = await api("GET", "/auth/verify");
      document.getElementById("who").textContent = who.auth ? `Logged in as ${who.user}` : "Authentication is off";
      document.getElementById("logout").hidden = !who.auth;
    } catch (_) { /* sent to the login page */ }
    refreshNotificationCount().catch(() => {});
    setInterval(() => refreshNotificationCount().catch(() => {}), POLL_MS * 5);
    window.addEventListener("hashchange", show);
    show();
  }

  start();
})();
