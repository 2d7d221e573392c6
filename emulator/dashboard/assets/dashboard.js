/* jobs-emulator dashboard. Plain script, no build step, no network but the emulator itself.
 *
 * Live: polls GET activity every 400 ms and redraws what changed (jobs page, the chosen job's
 * timeline, journal page), all through the control plane's paged views.
 * Report: the page carries a snapshot (<script id="snapshot">) and answers the same views from
 * it, so a saved report draws exactly what the live page drew, offline.
 */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const snapshotElement = $("snapshot");
  const SNAPSHOT = snapshotElement ? JSON.parse(snapshotElement.textContent) : null;
  const JOBS_LIMIT = 50;
  const JOURNAL_LIMIT = 100;
  const POLL_MS = 400;
  const params = new URLSearchParams(location.search);
  const state = {
    ns: params.get("ns"), job: params.get("job"), jobsOffset: 0, journalOffset: 0,
    lastKey: "", busy: false, pinned: null, timeline: null, jobRows: [],
  };

  // This page is .../_emulator/ui, possibly under /_ns/NAME: the control plane is beside it.
  let root = "";
  if (!SNAPSHOT) {
    const cut = location.pathname.indexOf("/_emulator/ui");
    root = cut >= 0 ? location.pathname.slice(0, cut) : "";
    const inNs = root.match(/^(.*)\/_ns\/([^/]+)$/);
    if (inNs) { root = inNs[1]; state.ns = state.ns || decodeURIComponent(inNs[2]); }
  }

  // -- data sources: the live control plane, or the report's snapshot ---------------------

  async function live(method, path, query, body) {
    const url = new URL(`${root}/_ns/${encodeURIComponent(state.ns || "default")}/_emulator/${path}`,
      location.href);
    for (const [k, v] of Object.entries(query || {})) {
      if (v !== "" && v !== null && v !== undefined) url.searchParams.set(k, v);
    }
    // The header tells a locked control plane (--control-token) that this page, opened with
    // the token, sends the change: no other site's page can send it (CORS).
    const init = { method, cache: "no-store", headers: { "x-emulator-page": "1" } };
    if (body !== undefined) { init.body = JSON.stringify(body); init.headers["content-type"] = "application/json"; }
    const response = await fetch(url, init);
    const data = await response.json();
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  }

  function problems(entry) {
    // An undeclared status the profile sends is journaled as spec_gap: {status, operation}.
    const gap = entry.spec_gap;
    const gaps = gap ? [{ ...gap, message: `status ${gap.status} is not declared for ${gap.operation}` }] : [];
    // What the spec had to be repaired in (or could not be) to check or make this answer.
    return { violations: entry.violations || [], gaps, fault: entry.fault, repairs: entry.spec_flaws || [] };
  }

  function matchesJournal(entry, q) {
    const p = problems(entry);
    if (q.kind === "violations" && !(entry.violations || []).length) return false;
    if (q.kind === "faults" && !p.fault) return false;
    if (q.kind === "gaps" && !p.gaps.length) return false;
    if (q.job_id && entry.job_id !== q.job_id) return false;
    const hay = `${entry.method} ${entry.path} ${entry.operation} ${entry.action} ${entry.job_id} ${entry.status}`;
    return !q.q || hay.toLowerCase().includes(q.q.toLowerCase());
  }

  function fromSnapshot(path, query) {
    const s = SNAPSHOT;
    const entries = s.entries || [];
    const last = entries.length ? entries[entries.length - 1].seq : 0;
    const summary = { name: s.namespace, jobs: s.jobs.length, exchanges: entries.length, last_seq: last };
    if (path === "namespaces") return { namespaces: [summary] };
    if (path === "activity") return { ...summary, clock: s.clock };
    const page = (items, limit) => {
      const offset = Number(query.offset || 0);
      return { total: items.length, offset, limit, items: items.slice(offset, offset + limit) };
    };
    if (path === "jobs") {
      const rows = s.jobs.map((t) => t.job).reverse().filter((j) => !query.status || j.status === query.status);
      const p = page(rows, JOBS_LIMIT);
      return { ...p, jobs: p.items };
    }
    const timeline = path.match(/^jobs\/(.+)\/timeline$/);
    if (timeline) {
      const found = s.jobs.find((t) => t.job.id === decodeURIComponent(timeline[1]));
      if (!found) throw new Error(`no job ${timeline[1]} in this report`);
      return found;
    }
    if (path === "journal/page") {
      const p = page(entries.filter((e) => matchesJournal(e, query)).reverse(), JOURNAL_LIMIT);
      return { ...p, entries: p.items };
    }
    throw new Error(`a report has no ${path}`);
  }

  const api = SNAPSHOT ? async (method, path, query) => fromSnapshot(path, query || {}) : live;

  // -- small DOM helpers ------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }
  const iso = (t) => (t === null || t === undefined ? "-" : new Date(t * 1000).toISOString().replace(".000Z", "Z"));
  const secs = (t) => `${Math.round(t * 10) / 10} s`;
  const json = (v) => (v === null || v === undefined ? "(none)" : typeof v === "string" ? v : JSON.stringify(v, null, 2));
  const statusText = (s) => (s === 0 ? "dropped" : String(s));
  function showError(message) { $("control-error").textContent = message || ""; }
  function announce(message) { $("live").textContent = message; }

  // -- clock, namespaces, scenario --------------------------------------------------------

  function renderClock(clock) {
    $("clock-now").textContent = `${clock.iso || iso(clock.now)} (${clock.now})`;
    $("clock-mode").textContent = clock.mode || "saved";
    if (document.activeElement !== $("mode") && clock.mode) $("mode").value = clock.mode;
  }

  async function loadNamespaces() {
    const { namespaces } = await api("GET", "namespaces");
    if (!state.ns) {
      const busiest = namespaces.slice().sort((a, b) => b.last_seq - a.last_seq)[0];
      state.ns = busiest ? busiest.name : "default";
    }
    const select = $("ns");
    const names = namespaces.map((n) => n.name);
    if (!names.includes(state.ns)) names.unshift(state.ns);
    if (select.dataset.names !== names.join("\n")) {
      select.replaceChildren(...names.map((n) => el("option", { value: n }, n)));
      select.dataset.names = names.join("\n");
    }
    select.value = state.ns;
  }

  async function loadScenarios() {
    if (SNAPSHOT) return;
    const data = await api("GET", "scenarios");
    const select = $("scenario");
    const known = data.scenarios.map((s) => s.name);
    const fallback = el("option", { value: "" }, known.includes(data.default) ? "profile's default" : `profile's default (${data.default || "none"})`);
    select.replaceChildren(fallback, ...data.scenarios.map((s) =>
      el("option", { value: s.name, title: s.description }, s.name)));
    select.value = known.includes(data.default) ? data.default : "";
  }

  // -- jobs -------------------------------------------------------------------------------

  function selectJob(id, focusTimeline) {
    state.job = id;
    state.pinned = null;
    $("exchange").replaceChildren();
    for (const row of $("jobs-rows").children) row.setAttribute("aria-selected", String(row.dataset.id === id));
    rememberInUrl();
    loadTimeline().then(() => { if (focusTimeline) $("timeline").focus(); }).catch((e) => showError(e.message));
  }

  function rememberInUrl() {
    if (SNAPSHOT) return;
    const url = new URL(location.href);
    url.searchParams.set("ns", state.ns);
    if (state.job) url.searchParams.set("job", state.job); else url.searchParams.delete("job");
    history.replaceState(null, "", url);
  }

  function onJobKey(event) {
    const row = event.currentTarget;
    if (event.key === "Enter" || event.key === " ") { event.preventDefault(); selectJob(row.dataset.id, true); }
    const next = event.key === "ArrowDown" ? row.nextElementSibling : event.key === "ArrowUp" ? row.previousElementSibling : null;
    if (next) { event.preventDefault(); next.focus(); }
  }

  async function loadJobs() {
    const page = await api("GET", "jobs", { offset: state.jobsOffset, limit: JOBS_LIMIT, status: $("jobs-status").value.trim() });
    const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.id : null;
    const rows = page.jobs.map((j) => el("tr", {
      tabindex: "0", "data-id": j.id, "aria-selected": String(j.id === state.job),
      onclick: () => selectJob(j.id, false), onkeydown: onJobKey,
    },
    el("td", { class: "mono id", title: j.id }, j.id),
    el("td", {}, el("span", { class: `status kind-${j.kind || "unknown"}` }, j.status === null ? "unknown" : j.status)),
    el("td", {}, j.scenario ?? "-"), el("td", {}, j.attempt ?? "-"), el("td", {}, j.polls ?? "-")));
    $("jobs-rows").replaceChildren(...rows);
    if (focused) { const again = rows.find((r) => r.dataset.id === focused); if (again) again.focus(); }
    $("jobs-count").textContent = `(${page.total})`;
    const end = Math.min(page.offset + page.jobs.length, page.total);
    $("jobs-page").textContent = page.total ? `${page.offset + 1}-${end} of ${page.total}` : "no jobs";
    $("jobs-prev").disabled = page.offset === 0;
    $("jobs-next").disabled = end >= page.total;
    if (!state.job && page.jobs.length) selectJob(page.jobs[0].id, false);
  }

  // -- the timeline -----------------------------------------------------------------------

  function markLabel(entry) {
    const p = problems(entry);
    return `${p.fault ? "\u26A1" : ""}${p.violations.length ? "\u26A0" : ""}${statusText(entry.status)}`;
  }

  function describe(entry, t0) {
    const p = problems(entry);
    const bits = [`#${entry.seq} ${entry.kind}: ${entry.method} ${entry.path}`, `answered ${statusText(entry.status)}`,
      `at +${secs(entry.at - t0)}`];
    if (p.fault) bits.push(`fault ${p.fault}`);
    if (p.violations.length) bits.push(`${p.violations.length} violation${p.violations.length > 1 ? "s" : ""}`);
    if (p.gaps.length) bits.push(`${p.gaps.length} spec gap${p.gaps.length > 1 ? "s" : ""}`);
    return bits.join(", ");
  }

  // Round steps (1, 2 or 5 times a power of ten) so the axis reads +10 s, +20 s, ...
  function axisSteps(span, count) {
    const raw = span / count;
    const power = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || raw;
    const out = [];
    for (let t = 0; t <= span * 0.93; t += step) out.push(Math.round(t * 1000) / 1000);
    return out;
  }

  function onMarkKey(event) {
    const marks = [...document.querySelectorAll("#timeline-body .mark")];
    const index = marks.indexOf(event.currentTarget);
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (step && marks[index + step]) { event.preventDefault(); marks[index + step].focus(); }
    if (event.key === "Escape") { state.pinned = null; $("exchange").replaceChildren(); }
  }

  function renderTimeline(tl) {
    const body = $("timeline-body");
    const focusedSeq = document.activeElement && document.activeElement.classList.contains("mark")
      ? document.activeElement.dataset.seq : null;
    $("timeline-job").textContent = `${tl.job.id} \u00B7 ${tl.job.status ?? "status not saved"}`;
    const times = tl.bands.flatMap((b) => [b.start, b.end]).concat(tl.requests.map((r) => r.at), [tl.now]);
    const t0 = Math.min(...times);
    const used = Math.max(Math.max(...times) - t0, 1);
    // Room after the last instant, so a status entered just now still shows as a band.
    const span = tl.bands.length && tl.bands[tl.bands.length - 1].open ? used * 1.12 : used;
    const x = (t) => ((t - t0) / span) * 100;
    const bands = el("div", { class: "bands", role: "list", "aria-label": "Statuses over time" },
      tl.bands.map((b, i) => {
        const text = `${b.status}, attempt ${b.attempt}: +${secs(b.start - t0)} to ${b.open ? "now" : "+" + secs(b.end - t0)}`;
        return el("div", {
          class: `band kind-${b.kind || "unknown"}`, role: "listitem", "data-status": b.status, "data-index": i,
          style: `left:${x(b.start)}%;width:${Math.max((b.open ? 100 : x(b.end)) - x(b.start), 0.4)}%`, title: text, "aria-label": text,
        }, b.status, el("small", {}, `attempt ${b.attempt}`));
      }));
    // Marks at (nearly) the same instant stack in lanes instead of covering each other.
    const track = el("div", { class: "track" });
    body.replaceChildren(track);
    const width = track.clientWidth || 800;
    const gap = (44 / width) * 100;
    const lanes = [];
    const marks = tl.requests.map((entry) => {
      const at = x(entry.at);
      let lane = lanes.findIndex((last) => at - last >= gap);
      if (lane < 0) { lane = lanes.length; lanes.push(at); } else lanes[lane] = at;
      const p = problems(entry);
      const classes = ["mark", `kind-${entry.kind}`, p.fault && "fault", p.violations.length && "violation",
        state.pinned === entry.seq && "active"].filter(Boolean).join(" ");
      return el("button", {
        type: "button", class: classes, "data-seq": entry.seq, "data-kind": entry.kind,
        style: `left:${at}%;top:${lane * 1.6}rem`, "aria-label": describe(entry, t0), title: describe(entry, t0),
        onmouseenter: () => showExchange(entry, t0), onfocus: () => showExchange(entry, t0),
        onclick: () => { state.pinned = entry.seq; showExchange(entry, t0); }, onkeydown: onMarkKey,
      }, markLabel(entry));
    });
    const markRow = el("div", { class: "marks", role: "group", "aria-label": "Requests about this job" }, marks);
    markRow.style.height = `${Math.max(lanes.length, 1) * 1.6}rem`;
    const ticks = axisSteps(span, width < 500 ? 3 : 6).map((t) => el("span", { class: "tick", style: `left:${x(t0 + t)}%` },
      t === 0 ? iso(t0).slice(11) : `+${secs(t)}`));
    track.append(bands, markRow, el("div", { class: "axis", "aria-hidden": "true" }, ticks));
    const list = el("ol", { class: "band-list", "aria-label": "Statuses, in order" },
      tl.bands.map((b) => el("li", {}, `${b.status} (attempt ${b.attempt}): +${secs(b.start - t0)} to ${b.open ? "now" : "+" + secs(b.end - t0)}`)));
    if (!tl.bands.length) list.append(el("li", {}, "No status history: this report was built from a plain journal."));
    const more = tl.requests_total > tl.requests.length ? el("p", { class: "hint" }, `Showing the newest ${tl.requests.length} of ${tl.requests_total} requests.`) : null;
    body.append(list, el("p", { class: "hint" }, `${tl.requests.length} requests; Tab or the arrow keys move between them, Escape clears the details.`));
    if (more) body.append(more);
    if (focusedSeq) { const again = body.querySelector(`.mark[data-seq="${focusedSeq}"]`); if (again) again.focus(); }
    if (state.pinned) { const pinned = tl.requests.find((r) => r.seq === state.pinned); if (pinned) showExchange(pinned, t0); }
  }

  async function loadTimeline() {
    if (!state.job) return;
    try {
      state.timeline = await api("GET", `jobs/${encodeURIComponent(state.job)}/timeline`);
    } catch (error) {
      $("timeline-body").replaceChildren(el("p", { class: "hint" }, error.message));
      return;
    }
    renderTimeline(state.timeline);
  }

  function showExchange(entry, t0) {
    const p = problems(entry);
    const items = [["time", `${iso(entry.at)}${t0 === undefined ? "" : ` (+${secs(entry.at - t0)})`}`],
      ["operation", `${entry.operation ?? "-"} (${entry.action ?? "no action"})`], ["job", entry.job_id ?? "-"],
      ["fault", p.fault ?? "none"]];
    const list = el("dl", {}, items.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
    const issues = p.violations.map((v) => el("li", { class: "problem violation" }, `\u26A0 ${v.side} ${v.path}: ${v.message} (${v.rule})`))
      .concat(p.gaps.map((g) => el("li", { class: "problem gap" }, `\u25C7 spec gap: ${g.message || json(g)}`)))
      .concat(p.repairs.map((r) => el("li", { class: "problem repair" }, `\u2692 spec flaw: ${r}`)));
    const query = entry.query ? `?${entry.query}` : "";
    $("exchange").replaceChildren(
      el("h3", {}, `#${entry.seq} ${entry.method} ${entry.path}${query} \u2192 ${statusText(entry.status)}`), list,
      issues.length ? el("ul", {}, issues) : null,
      el("details", { open: true }, el("summary", {}, "Request"), el("pre", {}, json(entry.request_headers)), el("pre", {}, json(entry.request_body))),
      el("details", { open: true }, el("summary", {}, "Response"), el("pre", {}, json(entry.response_headers)), el("pre", {}, json(entry.response_body))));
  }

  // -- the journal ------------------------------------------------------------------------

  function journalQuery() {
    return { offset: state.journalOffset, limit: JOURNAL_LIMIT, kind: $("journal-kind").value,
      q: $("journal-q").value.trim(), job_id: $("journal-job").value.trim() };
  }

  async function loadJournal() {
    const page = await api("GET", "journal/page", journalQuery());
    const rows = page.entries.map((e) => {
      const p = problems(e);
      const notes = [p.fault && el("span", { class: "problem fault" }, `\u26A1 fault ${p.fault} `),
        p.violations.length && el("span", { class: "problem violation" }, `\u26A0 ${p.violations.length} violation(s) `),
        p.gaps.length && el("span", { class: "problem gap" }, `\u25C7 ${p.gaps.length} spec gap(s) `),
        p.repairs.length && el("span", { class: "problem repair" }, `\u2692 ${p.repairs.length} spec flaw(s)`)].filter(Boolean);
      const open = () => { if (e.job_id && e.job_id !== state.job) selectJob(e.job_id, false); showExchange(e); };
      return el("tr", {
        tabindex: "0", "data-seq": e.seq, class: [p.violations.length && "has-violation", p.fault && "has-fault"].filter(Boolean).join(" "),
        onclick: open, onkeydown: (ev) => { if (ev.key === "Enter") open(); },
      }, el("td", {}, e.seq), el("td", { class: "mono wide-only" }, iso(e.at)),
      el("td", { class: "mono wrap request" }, `${e.method} ${e.path}${e.query ? "?" + e.query : ""}`),
      el("td", {}, e.action || e.operation || "-"), el("td", {}, statusText(e.status)),
      el("td", { class: "mono wide-only", title: e.job_id || "" }, e.job_id ? e.job_id.slice(0, 8) : "-"),
      el("td", {}, notes.length ? notes : "-"));
    });
    $("journal-rows").replaceChildren(...rows);
    const end = Math.min(page.offset + page.entries.length, page.total);
    $("journal-count").textContent = `(${page.total})`;
    $("journal-page").textContent = page.total ? `${page.offset + 1}-${end} of ${page.total}` : "no exchanges";
    $("journal-prev").disabled = page.offset === 0;
    $("journal-next").disabled = end >= page.total;
  }

  // -- live updates and controls ----------------------------------------------------------

  async function refreshAll() {
    await Promise.all([loadJobs(), loadTimeline(), loadJournal()]);
  }

  async function tick() {
    if (state.busy) return;
    state.busy = true;
    try {
      const activity = await api("GET", "activity");
      renderClock(activity.clock);
      const key = `${state.ns}|${activity.last_seq}|${activity.jobs}|${activity.clock.now}`;
      if (key !== state.lastKey) {
        const fresh = state.lastKey && activity.last_seq > Number(state.lastKey.split("|")[1]);
        state.lastKey = key;
        await refreshAll();
        if (fresh) announce(`new requests, up to #${activity.last_seq}`);
      }
    } catch (error) {
      announce(`cannot reach the emulator: ${error.message}`);
    } finally {
      state.busy = false;
    }
  }

  async function control(method, path, body) {
    showError("");
    try { await api(method, path, undefined, body); } catch (error) { showError(error.message); }
    await tick();
  }

  function debounce(fn) {
    let timer = null;
    return () => { clearTimeout(timer); timer = setTimeout(fn, 250); };
  }

  function wire() {
    $("ns").addEventListener("change", () => {
      state.ns = $("ns").value; state.job = null; state.jobsOffset = 0; state.journalOffset = 0;
      state.lastKey = ""; rememberInUrl(); loadScenarios().catch((e) => showError(e.message)); tick();
    });
    $("advance-form").addEventListener("submit", (event) => {
      event.preventDefault();
      control("POST", "clock/advance", { seconds: Number($("advance-seconds").value) });
    });
    $("set-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const raw = $("set-time").value.trim();
      const now = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Date.parse(raw) / 1000;
      if (Number.isNaN(now)) { showError(`cannot read ${JSON.stringify(raw)} as a time: use 2026-01-01T00:05:00Z or unix seconds`); return; }
      control("POST", "clock/set", { now });
    });
    $("mode-form").addEventListener("submit", (event) => {
      event.preventDefault();
      state.job = null;
      control("POST", "reset", { clock: $("mode").value });
    });
    $("scenario").addEventListener("change", () => control("PUT", "scenario", { default: $("scenario").value || null }));
    $("jobs-status").addEventListener("input", debounce(() => { state.jobsOffset = 0; loadJobs(); }));
    $("jobs-prev").addEventListener("click", () => { state.jobsOffset = Math.max(0, state.jobsOffset - JOBS_LIMIT); loadJobs(); });
    $("jobs-next").addEventListener("click", () => { state.jobsOffset += JOBS_LIMIT; loadJobs(); });
    const journal = debounce(() => { state.journalOffset = 0; loadJournal(); });
    for (const id of ["journal-kind", "journal-q", "journal-job"]) $(id).addEventListener("input", journal);
    $("journal-filters").addEventListener("submit", (event) => event.preventDefault());
    $("journal-prev").addEventListener("click", () => { state.journalOffset = Math.max(0, state.journalOffset - JOURNAL_LIMIT); loadJournal(); });
    $("journal-next").addEventListener("click", () => { state.journalOffset += JOURNAL_LIMIT; loadJournal(); });
    window.addEventListener("resize", debounce(() => { if (state.timeline) renderTimeline(state.timeline); }));
  }

  async function start() {
    wire();
    if (SNAPSHOT) {
      document.body.classList.add("report");
      $("source-label").textContent = `report \u00B7 namespace ${SNAPSHOT.namespace}`;
    }
    try {
      await loadNamespaces();
      await loadScenarios();
    } catch (error) {
      showError(error.message);
    }
    await tick();
    if (!SNAPSHOT) {
      setInterval(tick, POLL_MS);
      setInterval(() => loadNamespaces().catch(() => {}), 2000);
    }
  }

  start();
})();
