// The Paris Roadmap dashboard: the reference client of the public API v1.
//
// Everything on the page comes from the API; nothing is injected as HTML: text from the API
// (titles, summaries) is always set as text, so an analyst's "<script>" shows as typed.

const main = document.getElementById("main");
const API = main.dataset.apiRoot; // "/api/v1/"

// The page's language, as the server chose it (<html lang>): every API request names it (lang=),
// so that an answer cached for one language is never shown on a page in another, and Intl
// formats in it. In Arabic, numbers and dates in prose and charts take Arabic-Indic digits
// (docs/languages.md); codes and identifiers are text, and keep the digits they were typed in.
// The words come from Django's JavaScript catalog (gettext, ngettext, interpolate), which the
// page loads before this script.
const LANGUAGE = document.documentElement.lang || "en-gb";
const LOCALE = LANGUAGE.split("-")[0] === "ar" ? "ar-u-nu-arab" : LANGUAGE;
const numberFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 1 });
const percentFormat = new Intl.NumberFormat(LOCALE, { style: "percent", maximumFractionDigits: 1 });

// Arrows that say "onwards" point the way the page reads (no character mirrors them itself).
const RTL = document.documentElement.dir === "rtl";
const FORWARD = RTL ? "←" : "→";

/** A count or a measure in the page's language ("1,234"; "١٬٢٣٤" in Arabic). */
function number(value) {
  return numberFormat.format(value);
}

/** A percentage from 0–100 ("45%", "45 %" in French, "٤٥٪" in Arabic). */
function percent(value) {
  return percentFormat.format(value / 100);
}

/** A translated text with its %(name)s placeholders filled. */
function fill(text, values) {
  return interpolate(text, values, true);
}

/** `url` asking for the page's language. */
function inLanguage(url) {
  const address = new URL(url, window.location.href);
  address.searchParams.set("lang", LANGUAGE);
  return address.origin === window.location.origin ? `${address.pathname}${address.search}` : address.href;
}

// The status vocabulary, from the API (statuses/, the one place it is defined): the order
// statuses are stacked and listed in, as [value, label] pairs, their labels and their colours.
// Every colour is shown with its label or a count as text.
let STATUSES = [];
let STATUS_LABELS = {};
let STATUS_COLOURS = {};
// The statuses no analyst records (not assessed: no assessment yet), drawn hatched as well as in
// their colour: an absence of news, told apart from every status by more than its grey.
let UNRECORDED = new Set();
const FILTERS = ["pillar", "status", "place", "stale"];
// The filters that choose commitments by what they are, not by their status on a day: the only
// ones the timeline and changes/ take, as a status or staleness differs from date to date.
const PERIOD_FILTERS = ["pillar", "place"];
const INTERVALS = [
  ["month", gettext("Month by month")],
  ["quarter", gettext("Quarter by quarter")],
];
// The columns the API sorts by (its `ordering` values), and the rows of a page.
const ORDERINGS = ["code", "title", "progress"];
const PAGE_SIZE = 50;

class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

// --- small helpers -----------------------------------------------------------------------

// Text an analyst wrote, or the Roadmap's own (quoted in English), takes its direction from its
// first letters (dir="auto"): an English paragraph in an Arabic page reads left to right.

/** Creates an element; string children become text nodes, never markup. */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function getJSON(url) {
  let response;
  try {
    response = await fetch(inLanguage(url), { headers: { Accept: "application/json" }, credentials: "same-origin" });
  } catch (error) {
    throw new ApiError(0, gettext("The tracker's API could not be reached."));
  }
  let body = null;
  try {
    body = await response.json();
  } catch (error) {
    body = null;
  }
  if (!response.ok) {
    // A 400 names what was wrong by parameter: {"from": ["from cannot be after to."]}.
    const named = body && !body.detail && typeof body === "object" ? [].concat(...Object.values(body))[0] : null;
    throw new ApiError(response.status, (body && body.detail) || (typeof named === "string" ? named : fill(gettext("The API answered %(status)s."), { status: response.status })));
  }
  return body;
}

/** Every item of a paginated list, following `next` links. */
async function getAll(url) {
  const items = [];
  let next = url;
  while (next) {
    const page = await getJSON(next);
    if (Array.isArray(page)) return page;
    items.push(...page.results);
    next = page.next;
  }
  return items;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [name, values] of Object.entries(params)) {
    for (const value of [].concat(values)) if (value !== "" && value !== undefined) search.append(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

const dateFormat = new Intl.DateTimeFormat(LOCALE, { day: "numeric", month: "short", year: "numeric" });

/** Today's date in the reader's time zone, as YYYY-MM-DD. */
function today() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
}

function formatDate(iso) {
  if (!iso) return "—";
  const date = iso.length === 10 ? new Date(`${iso}T00:00:00`) : new Date(iso);
  return dateFormat.format(date);
}

function statusBadge(status, label) {
  return coloured(el("span", { class: `badge status-${status}` }, label || STATUS_LABELS[status] || status), status);
}

/** A record's marking (its releasability) when it is not public, small beside it: only cleared
 * readers are ever sent such a record, and the marking reminds them not to pass it on. */
function markingFlag(record) {
  if (!record.releasability || record.releasability === "public") return null;
  return el("span", { class: "marking-flag", title: fill(gettext("Released to: %(marking)s"), { marking: record.releasability }) }, record.releasability.toUpperCase());
}

/** The element in its status's colour (CSSOM, which a Content-Security-Policy allows), hatched
 * when no analyst records that status. */
function coloured(node, status) {
  node.style.setProperty("--status-colour", STATUS_COLOURS[status] || "");
  if (UNRECORDED.has(status)) node.classList.add("hatched");
  return node;
}

async function loadStatuses() {
  const statuses = await getJSON(`${API}statuses/`);
  STATUSES = statuses.map((status) => [status.value, status.label]);
  STATUS_LABELS = Object.fromEntries(STATUSES);
  STATUS_COLOURS = Object.fromEntries(statuses.map((status) => [status.value, status.colour]));
  UNRECORDED = new Set(statuses.filter((status) => !status.assessable).map((status) => status.value));
}

function progressText(progress) {
  return progress === null || progress === undefined ? "—" : percent(progress);
}

/** What an average progress is of (a summary's counts): "based on 1 of 12" commitments, as a
 * mean of the few that report one reads as if it were of them all. */
function progressBasis(counts) {
  if (!counts.total) return "";
  if (!counts.progress_reported) {
    return fill(gettext("none of %(total)s reports a progress"), { total: number(counts.total) });
  }
  return fill(gettext("based on %(reported)s of %(total)s"), { reported: number(counts.progress_reported), total: number(counts.total) });
}

/** How recent a commitment's assessment is: its freshness, the dashboard's one word for it
 * ("review", in the admin, is the approval of an update: another thing). */
function freshnessText(commitment) {
  const state = commitment.is_stale ? gettext("Stale: needs a new assessment") : gettext("Up to date");
  if (!commitment.as_of) return fill(gettext("%(state)s (never assessed)"), { state });
  const days = Math.round((new Date(`${today()}T00:00:00`) - new Date(`${commitment.as_of}T00:00:00`)) / 86_400_000);
  const cadence = commitment.update_cadence_days;
  const ago = fill(ngettext("last assessed %(days)s day ago", "last assessed %(days)s days ago", days), { days: number(days) });
  const due = cadence ? fill(ngettext("due every %(days)s day", "due every %(days)s days", cadence), { days: number(cadence) }) : "";
  return due ? fill(gettext("%(state)s (%(ago)s, %(due)s)"), { state, ago, due }) : fill(gettext("%(state)s (%(ago)s)"), { state, ago });
}

function commitmentLink(code, title) {
  return el("a", { href: `/commitments/${encodeURIComponent(code)}/` }, title ? `${code} ${title}` : code);
}

function section(id, title, ...children) {
  return el("section", { id, "aria-labelledby": `${id}-title` }, el("h2", { id: `${id}-title` }, title), ...children);
}

/** A field of a filter form: `control` (named `name`, its id filter-<name>) and its label. */
function filterField(name, label, control) {
  return el("div", { class: "field" }, el("label", { for: `filter-${name}` }, label), control);
}

/** A filter's <select>: "All", then `options` ([value, text]); the one `filters` has is chosen. */
function filterSelect(name, label, options, filters) {
  const choices = options.map(([value, text]) => el("option", { value, selected: value === filters[name] }, text));
  return filterField(name, label, el("select", { id: `filter-${name}`, name }, el("option", { value: "" }, gettext("All")), choices));
}

function showError(error, retry) {
  const notice = el("div", { class: "notice error", role: "alert" });
  if (error.status === 404) {
    notice.append(el("p", {}, error.message), el("p", {}, el("a", { href: "/" }, gettext("See all commitments"))));
  } else if (error.status === 401 || error.status === 403) {
    notice.append(
      el("p", {}, gettext("This tracker's data is visible to signed-in users only.")),
      el("p", {}, el("a", { href: main.dataset.signInUrl }, gettext("Sign in to see the Roadmap."))),
    );
  } else {
    notice.append(
      el("p", {}, fill(gettext("%(problem)s The dashboard cannot show the Roadmap right now."), { problem: error.message })),
      el("button", { type: "button", class: "button" }, gettext("Try again")),
    );
    notice.querySelector("button").addEventListener("click", retry);
  }
  main.replaceChildren(notice);
  main.setAttribute("aria-busy", "false");
  main.dataset.state = "error";
}

// --- the overview ------------------------------------------------------------------------
//
// The overview never reads every commitment: the counts and charts come from the summary of
// the filtered set, and the table is one page of the list, sorted and paged by the API. Its
// first view takes five requests (statuses, places, the summary, a page, the latest updates),
// a filter change two (the summary and the first page), a sort or a page one. The trend adds
// one when it is in view and its filters or interval change; a "since" date adds changes/
// (to the first view too, from a link that has one), and setting it asks for nothing else.

/** The view the address asks for: filters, the table's ordering and its page, the date changes
 * are highlighted since (none: no highlight) and the trend's interval ("": month). */
function currentView() {
  const params = new URLSearchParams(window.location.search);
  const filters = Object.fromEntries(FILTERS.map((name) => [name, params.get(name) || ""]));
  const ordering = params.get("ordering") || "";
  const page = Math.max(1, Number.parseInt(params.get("page"), 10) || 1);
  const since = params.get("since") || "";
  const interval = params.get("interval") || "";
  return {
    filters,
    ordering: ORDERINGS.includes(ordering.replace(/^-/, "")) ? ordering : "",
    page,
    since: /^\d{4}-\d{2}-\d{2}$/.test(since) ? since : "",
    interval: interval === "quarter" ? interval : "",
  };
}

function viewUrl({ filters, ordering, page, since = "", interval = "" }) {
  return `${window.location.pathname}${query({ ...filters, ordering, page: page > 1 ? page : "", since, interval })}`;
}

function periodFilters(filters) {
  return Object.fromEntries(PERIOD_FILTERS.map((name) => [name, filters[name]]));
}

/** A bar of the commitments by status, each segment labelled with its count. */
function stackedBar(counts, label) {
  const parts = STATUSES.filter(([status]) => counts[status]);
  const bar = el("div", {
    class: "stacked-bar",
    role: "img",
    "aria-label": fill(gettext("%(what)s: %(counts)s"), {
      what: label,
      counts: parts.map(([status, name]) => statusCount(counts[status], name)).join(gettext(", ")) || gettext("none"),
    }),
  });
  for (const [status, name] of parts) {
    const segment = coloured(el("span", { class: `segment status-${status}`, title: fill(gettext("%(what)s: %(counts)s"), { what: name, counts: number(counts[status]) }) }, number(counts[status])), status);
    segment.style.flexGrow = counts[status]; // CSSOM, which a Content-Security-Policy allows
    bar.append(segment);
  }
  return bar;
}

/** "3 at risk": a count of a status, its label in lower case where the language has cases. */
function statusCount(count, label) {
  return fill(gettext("%(count)s %(status)s"), { count: number(count), status: label.toLocaleLowerCase(LANGUAGE) });
}

function breakdown(counts) {
  return el(
    "ul",
    { class: "breakdown" },
    STATUSES.filter(([status]) => counts[status]).map(([status, label]) =>
      el("li", {}, coloured(el("span", { class: `swatch status-${status}`, "aria-hidden": "true" }), status), statusCount(counts[status], label)),
    ),
  );
}

function isFiltered(filters) {
  return FILTERS.some((name) => filters[name]);
}

function renderTotals(summary, filters) {
  const attention = summary.by_status.at_risk + summary.by_status.off_track;
  const what = isFiltered(filters) ? gettext("Commitments matching the filters") : gettext("The whole Roadmap");
  return el(
    "section",
    { id: "totals", "aria-label": what },
    el(
      "dl",
      { class: "totals" },
      el("div", {}, el("dt", {}, gettext("Commitments")), el("dd", { "data-total": "commitments" }, number(summary.total))),
      el("div", {}, el("dt", {}, gettext("At risk or off track")), el("dd", { "data-total": "attention" }, number(attention))),
      el("div", {}, el("dt", {}, gettext("Stale")), el("dd", { "data-total": "stale" }, number(summary.stale))),
      el(
        "div",
        {},
        el("dt", {}, gettext("Average progress")),
        el("dd", { "data-total": "progress" }, progressText(summary.average_progress)),
        el("dd", { class: "basis", "data-total": "progress-basis" }, progressBasis(summary)),
      ),
      el("div", {}, el("dt", {}, gettext("Latest update")), el("dd", { "data-total": "latest" }, formatDate(summary.latest_update_at))),
    ),
    el("div", { class: "whole-roadmap" }, stackedBar(summary.by_status, fill(gettext("%(what)s by status"), { what })), breakdown(summary.by_status)),
  );
}

function renderFilters(reference, { filters, since }, { onChange, onSince }) {
  const select = (name, label, options) => filterSelect(name, label, options, filters);
  const form = el(
    "form",
    { id: "filters", class: "filters", role: "search", "aria-label": gettext("Filter commitments") },
    select("pillar", gettext("Pillar"), reference.pillars.map((pillar) => [pillar.slug, pillar.name])),
    select("status", gettext("Status"), STATUSES),
    select(
      "place",
      gettext("Place"),
      reference.places.map((place) => [
        place.slug,
        place.parent ? fill(gettext("%(place)s (in %(parent)s)"), { place: place.name, parent: reference.placeNames[place.parent] }) : place.name,
      ]),
    ),
    select("stale", gettext("Freshness"), [
      ["true", gettext("Stale: needs a new assessment")],
      ["false", gettext("Up to date")],
    ]),
    filterField(
      "since",
      gettext("Highlight changes since"),
      el("input", { type: "date", id: "filter-since", name: "since", value: since, max: today(), "aria-describedby": "since-summary" }),
    ),
    el("button", { type: "reset", class: "button secondary" }, gettext("Clear filters")),
  );
  form.addEventListener("change", (event) => {
    // A date being typed is not yet a date: the input's value stays "" until it is whole.
    if (event.target.name === "since") onSince(form.elements.since.value);
    else onChange(Object.fromEntries(FILTERS.map((name) => [name, form.elements[name].value])));
  });
  form.addEventListener("reset", (event) => {
    event.preventDefault();
    onChange(Object.fromEntries(FILTERS.map((name) => [name, ""])), "");
  });
  return form;
}

function renderPillars(pillars) {
  const rows = pillars.filter((pillar) => pillar.commitments.total);
  if (!rows.length) return section("pillars", gettext("By pillar"), el("p", { class: "empty" }, gettext("No commitment matches these filters.")));
  return section(
    "pillars",
    gettext("By pillar"),
    el(
      "table",
      { class: "pillars" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("th", { scope: "col" }, gettext("Pillar")),
          el("th", { scope: "col" }, gettext("Commitments by status")),
          el("th", { scope: "col" }, gettext("Average progress")),
          el("th", { scope: "col" }, gettext("Stale")),
        ),
      ),
      el(
        "tbody",
        {},
        rows.map((pillar) => {
          const counts = pillar.commitments;
          return el(
            "tr",
            { "data-pillar": pillar.slug },
            el("th", { scope: "row" }, pillar.name, el("span", { class: "count", "data-count": "total" }, fill(ngettext("%(count)s commitment", "%(count)s commitments", counts.total), { count: number(counts.total) }))),
            el("td", {}, stackedBar(counts.by_status, fill(gettext("%(what)s by status"), { what: pillar.name })), breakdown(counts.by_status)),
            el(
              "td",
              { class: "progress-cell" },
              el("span", { "data-count": "progress", "data-label": gettext("Average progress:") }, progressText(counts.average_progress)),
              el("span", { class: "count", "data-count": "progress-basis" }, progressBasis(counts)),
            ),
            el("td", { "data-count": "stale", "data-label": gettext("Stale:") }, number(counts.stale)),
          );
        }),
      ),
    ),
  );
}

/** What needs attention, counted by the summary; each count opens the commitments it counts. */
function renderAttention(summary, view, go) {
  const kinds = [
    ["off_track", { status: "off_track" }, summary.by_status.off_track],
    ["at_risk", { status: "at_risk" }, summary.by_status.at_risk],
    ["stale", { stale: "true" }, summary.stale],
  ].filter(([, , count]) => count);
  if (!kinds.length) {
    return section("attention", gettext("Needs attention"), el("p", { class: "empty" }, gettext("Nothing here: no commitment is at risk, off track or stale.")));
  }
  return section(
    "attention",
    gettext("Needs attention"),
    el(
      "ul",
      { class: "attention" },
      kinds.map(([kind, narrowing, count]) => {
        const target = { ...view, filters: { ...view.filters, ...narrowing }, ordering: "", page: 1 };
        const label = kind === "stale" ? gettext("Stale: need a new assessment") : STATUS_LABELS[kind];
        const link = el("a", { href: viewUrl(target) }, statusCount(count, label));
        link.addEventListener("click", (event) => {
          if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
          event.preventDefault();
          go(target);
        });
        return el("li", { "data-attention": kind }, kind === "stale" ? el("span", { class: "badge stale-badge" }, gettext("Stale")) : statusBadge(kind), " ", link);
      }),
    ),
    el("p", { class: "more" }, gettext("Each opens the commitments it counts in the table below.")),
  );
}

function renderLatest(updates) {
  if (!updates.length) {
    return section(
      "latest",
      gettext("Latest updates"),
      el("p", { class: "empty" }, gettext("No status updates have been recorded yet: every commitment is not assessed.")),
    );
  }
  return section(
    "latest",
    gettext("Latest updates"),
    el(
      "ol",
      { class: "updates" },
      updates.map((update) =>
        el(
          "li",
          { "data-update": update.id },
          el("p", { class: "update-head" }, commitmentLink(update.commitment), " ", statusBadge(update.status, update.status_label), el("span", { class: "date" }, fill(gettext("as of %(date)s"), { date: formatDate(update.as_of) })), markingFlag(update)),
          el("p", { class: "summary", dir: "auto" }, update.summary),
        ),
      ),
    ),
  );
}

/** A column header that sorts the table by `field` (an ordering of the API), or plain text. */
function columnHeader(title, field, ordering, go) {
  if (!field) return el("th", { scope: "col" }, title);
  const direction = ordering === field ? "ascending" : ordering === `-${field}` ? "descending" : "none";
  const next = direction === "ascending" ? `-${field}` : field;
  const button = el(
    "button",
    { type: "button", class: "sort", "data-ordering": field },
    title,
    el("span", { class: "sort-mark", "aria-hidden": "true" }, { ascending: " ▲", descending: " ▼", none: "" }[direction]),
  );
  button.addEventListener("click", () => go(next));
  return el("th", { scope: "col", "aria-sort": direction }, button);
}

function pageLink(text, view, page, go, rel) {
  const target = { ...view, page };
  const link = el("a", { href: viewUrl(target), rel, "data-page": page }, text);
  link.addEventListener("click", (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    go(target);
  });
  return link;
}

/** How a commitment moved since the chosen date, in words: "Worsened: On track → At risk". */
function changeBadge(change) {
  const [before, after] = [change.before, change.after];
  let detail = `${before.status_label} ${FORWARD} ${after.status_label}`;
  if (change.change === "progress_moved") detail = `${progressText(before.progress)} ${FORWARD} ${progressText(after.progress)}`;
  if (change.change === "became_stale") detail = fill(gettext("%(status)s, now stale"), { status: after.status_label });
  if (change.created_since) detail = fill(gettext("new since then, %(status)s"), { status: after.status_label });
  return el(
    "span",
    { class: `change-badge change-${change.change}`, "data-change": change.change },
    el("strong", {}, change.change_label),
    fill(gettext(": %(detail)s"), { detail }),
  );
}

/** The line that says what changed since the chosen date, counted by changes/. */
function renderSinceSummary(since, changes) {
  if (!since) return el("p", { id: "since-summary", class: "since-summary", hidden: true });
  if (!changes) return el("p", { id: "since-summary", class: "since-summary" }, fill(gettext("Reading the changes since %(date)s…"), { date: formatDate(since) }));
  if (changes.error) return el("p", { id: "since-summary", class: "since-summary", "data-state": "error" }, changes.error);
  // Every change counted is one of the rows, which say it in words.
  const labels = Object.fromEntries(changes.changes.map((row) => [row.change, row.change_label]));
  const counts = Object.entries(changes.summary.by_change)
    .filter(([, count]) => count)
    .map(([change, count]) => statusCount(count, labels[change]));
  const date = formatDate(since);
  return el(
    "p",
    { id: "since-summary", class: "since-summary", "data-state": "ready" },
    counts.length
      ? fill(gettext("Since %(date)s: %(changes)s. Changed commitments are marked in the table."), { date, changes: counts.join(gettext(", ")) })
      : fill(gettext("Since %(date)s: no commitment changed."), { date }),
  );
}

function renderCommitmentTable(list, view, { sort, go }, changed = new Map()) {
  if (!list.count) {
    return section("commitments", gettext("Commitments"), el("p", { class: "empty" }, gettext("No commitment matches these filters.")));
  }
  const pages = Math.max(1, Math.ceil(list.count / PAGE_SIZE));
  const first = (view.page - 1) * PAGE_SIZE + 1;
  const last = first + list.results.length - 1;
  const columns = [
    [gettext("Code"), "code"],
    [gettext("Commitment"), "title"],
    [gettext("Pillar"), null],
    [gettext("Status"), null],
    [gettext("Progress"), "progress"],
    [gettext("As of"), null],
  ];
  return section(
    "commitments",
    fill(gettext("Commitments (%(count)s)"), { count: number(list.count) }),
    el(
      "div",
      { class: "table-scroll" },
      el(
        "table",
        { class: "commitments" },
        el(
          "caption",
          { class: "table-caption" },
          fill(gettext("%(first)s–%(last)s of %(count)s. Sort by a column with its header's button."), { first: number(first), last: number(last), count: number(list.count) }),
        ),
        el("thead", {}, el("tr", {}, columns.map(([title, field]) => columnHeader(title, field, view.ordering, sort)))),
        el(
          "tbody",
          {},
          list.results.map((commitment) =>
            el(
              "tr",
              { "data-code": commitment.code, class: changed.has(commitment.code) ? "changed" : null },
              el("td", { class: "nowrap" }, commitmentLink(commitment.code)),
              el("td", { class: "title-cell" }, el("span", { class: "title" }, commitment.title), changed.has(commitment.code) ? changeBadge(changed.get(commitment.code)) : null),
              el("td", {}, commitment.pillar.name),
              el("td", {}, statusBadge(commitment.status, commitment.status_label), commitment.is_stale ? el("span", { class: "stale-flag" }, gettext("stale")) : null),
              el("td", {}, progressText(commitment.progress)),
              el("td", { class: "nowrap" }, formatDate(commitment.as_of)),
            ),
          ),
        ),
      ),
    ),
    pages > 1
      ? el(
          "nav",
          { class: "pager", "aria-label": gettext("Pages of commitments") },
          view.page > 1 ? pageLink(gettext("Previous page"), view, view.page - 1, go, "prev") : null,
          el("span", { class: "page-of", "aria-current": "page" }, fill(gettext("Page %(page)s of %(pages)s"), { page: number(view.page), pages: number(pages) })),
          view.page < pages ? pageLink(gettext("Next page"), view, view.page + 1, go, "next") : null,
        )
      : null,
  );
}

// --- the trend: the overview's commitments by status, interval by interval ---------------
//
// Read from summary/timeline/ with the filters it takes (pillar, place), and only once the
// section is scrolled into view: the first view keeps its five requests, and a filter change
// asks for the timeline only when the chart is on screen (a third request), else when it
// next comes into view.

const monthFormat = new Intl.DateTimeFormat(LOCALE, { month: "short", year: "numeric" });
const yearFormat = new Intl.DateTimeFormat(LOCALE, { year: "numeric" });

function intervalName(iso, interval) {
  const date = new Date(`${iso}T00:00:00`);
  if (interval === "quarter") {
    return fill(gettext("Q%(quarter)s %(year)s"), { quarter: number(Math.floor(date.getMonth() / 3) + 1), year: yearFormat.format(date) });
  }
  return monthFormat.format(date);
}

/** Stacked bars of the counts by status at the end of each interval, and average progress as
 * a line on its own scale (0–100%). Drawn `available` pixels wide, so that its labels are
 * drawn at their size: a fixed 640-wide drawing shrunk onto a phone shrank them to 5 px. */
function trendChart(timeline, available) {
  const points = timeline.points;
  const [width, height] = [Math.round(Math.max(240, available || 640)), 260];
  const pad = { left: 40, right: 44, top: 14, bottom: 34 };
  const plotWidth = width - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const most = Math.max(1, ...points.map((point) => point.total));
  const band = plotWidth / Math.max(points.length, 1);
  const barWidth = Math.max(2, band * 0.7);
  const bottom = pad.top + plotHeight; // the baseline, y of 0
  const x = (index) => pad.left + index * band + band / 2;
  const first = intervalName(timeline.points[0]?.date || timeline.to, timeline.interval);
  const last = intervalName(timeline.to, timeline.interval);
  // As many labels under the bars as fit side by side ("Sept 2026" is about 60 px), eight at most.
  const every = Math.ceil(points.length / Math.max(1, Math.min(8, Math.floor(plotWidth / 80))));

  const bars = points.map((point, index) => {
    let top = bottom;
    const segments = STATUSES.filter(([status]) => point.by_status[status]).map(([status, label]) => {
      const size = (point.by_status[status] / most) * plotHeight;
      top -= size;
      const segment = coloured(
        svg(
          "rect",
          { class: `segment status-${status}`, x: x(index) - barWidth / 2, y: top, width: barWidth, height: size },
          svg(
            "title",
            {},
            fill(gettext("%(status)s: %(count)s at the end of %(interval)s"), {
              status: label,
              count: number(point.by_status[status]),
              interval: intervalName(point.date, timeline.interval),
            }),
          ),
        ),
        status,
      );
      if (UNRECORDED.has(status)) segment.style.fill = `url(#trend-hatch-${status})`; // CSSOM
      return segment;
    });
    return svg("g", { "data-date": point.date }, segments);
  });
  const progress = points.map((point, index) => [point, index]).filter(([point]) => point.average_progress !== null);
  const y = (value) => bottom - (value / 100) * plotHeight;
  return svg(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, class: "trend-chart", role: "img", "aria-labelledby": "trend-svg-title trend-svg-desc" },
    svg("title", { id: "trend-svg-title" }, gettext("Commitments by status over time, with average progress")),
    // The hatching of .hatched, in SVG: a pattern per status drawn so, on its colour.
    svg(
      "defs",
      {},
      [...UNRECORDED].map((status) =>
        svg(
          "pattern",
          { id: `trend-hatch-${status}`, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
          coloured(svg("rect", { class: "hatch-ground", width: 6, height: 6 }), status),
          svg("line", { class: "hatch-line", x1: 1, y1: 0, x2: 1, y2: 6 }),
        ),
      ),
    ),
    svg(
      "desc",
      { id: "trend-svg-desc" },
      fill(
        timeline.interval === "quarter"
          ? gettext("Stacked bars: the commitments by status at the end of each quarter, from %(first)s to %(last)s; a line: their average progress. The numbers are in the table that follows the chart.")
          : gettext("Stacked bars: the commitments by status at the end of each month, from %(first)s to %(last)s; a line: their average progress. The numbers are in the table that follows the chart."),
        { first, last },
      ),
    ),
    svg("line", { x1: pad.left, x2: width - pad.right, y1: bottom, y2: bottom, class: "axis" }),
    svg("text", { x: pad.left - 6, y: pad.top + 4, class: "axis-label", "text-anchor": "end" }, number(most)),
    svg("text", { x: pad.left - 6, y: bottom + 4, class: "axis-label", "text-anchor": "end" }, number(0)),
    svg("text", { x: width - pad.right + 6, y: pad.top + 4, class: "axis-label" }, percent(100)),
    svg("text", { x: width - pad.right + 6, y: bottom + 4, class: "axis-label" }, percent(0)),
    points.map((point, index) =>
      (index % every === 0 && points.length - 1 - index >= every) || index === points.length - 1
        ? svg("text", { x: x(index), y: height - 12, class: "axis-label", "text-anchor": "middle" }, intervalName(point.date, timeline.interval))
        : null,
    ),
    bars,
    // The line on a white casing: it crosses bars of every colour, the darkest included.
    ["progress-casing", "progress-line"].map((name) =>
      progress.length ? svg("polyline", { class: name, points: progress.map(([point, index]) => `${x(index)},${y(point.average_progress)}`).join(" ") }) : null,
    ),
    progress.map(([point, index]) =>
      svg("circle", { class: "progress-point", cx: x(index), cy: y(point.average_progress), r: 3 }, svg(
          "title",
          {},
          fill(gettext("Average progress %(progress)s at the end of %(interval)s"), {
            progress: percent(point.average_progress),
            interval: intervalName(point.date, timeline.interval),
          }),
        ),
      ),
    ),
  );
}

/** The chart's text alternative: the same numbers, a row per interval. */
function trendTable(timeline) {
  return el(
    "details",
    { class: "trend-numbers" },
    el("summary", {}, gettext("The numbers, interval by interval")),
    el(
      "div",
      { class: "table-scroll", tabindex: "0" }, // scrolled from the keyboard too
      el(
        "table",
        { class: "trend-table" },
        el(
          "caption",
          { class: "table-caption" },
          fill(
            timeline.interval === "quarter"
              ? gettext("Commitments by status at the end of each quarter; the last ends on %(date)s.")
              : gettext("Commitments by status at the end of each month; the last ends on %(date)s."),
            { date: formatDate(timeline.to) },
          ),
        ),
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            el("th", { scope: "col" }, gettext("End of")),
            STATUSES.map(([, label]) => el("th", { scope: "col" }, label)),
            el("th", { scope: "col" }, gettext("Total")),
            el("th", { scope: "col" }, gettext("Average progress")),
          ),
        ),
        el(
          "tbody",
          {},
          timeline.points.map((point) =>
            el(
              "tr",
              { "data-date": point.date },
              el("th", { scope: "row", class: "nowrap" }, formatDate(point.date)),
              STATUSES.map(([status]) => el("td", { "data-status": status }, number(point.by_status[status]))),
              el("td", { "data-count": "total" }, number(point.total)),
              el("td", { "data-count": "progress" }, progressText(point.average_progress)),
            ),
          ),
        ),
      ),
    ),
  );
}

function trendLegend() {
  return el(
    "ul",
    { class: "breakdown trend-legend" },
    STATUSES.map(([status, label]) => el("li", {}, coloured(el("span", { class: `swatch status-${status}`, "aria-hidden": "true" }), status), label)),
    el("li", {}, el("span", { class: "legend-line", "aria-hidden": "true" }), gettext("Average progress (right scale)")),
  );
}

/** The trend section: `show(view)` says what it should show; it reads it when it is in view. */
function createTrend(onInterval) {
  const interval = el(
    "select",
    { id: "trend-interval", name: "interval" },
    INTERVALS.map(([value, text]) => el("option", { value }, text)),
  );
  interval.addEventListener("change", () => onInterval(interval.value === "month" ? "" : interval.value));
  const body = el("div", { class: "trend-body" }, el("p", { class: "loading" }, gettext("The trend is read when it comes into view.")));
  const note = el("p", { class: "more" });
  const node = section(
    "trend",
    gettext("Over time"),
    el("div", { class: "field trend-interval" }, el("label", { for: "trend-interval" }, gettext("Intervals")), interval),
    body,
    note,
  );
  node.setAttribute("aria-busy", "false");
  let wanted = null;
  let shown = null;
  let visible = false;
  let latest = 0;

  async function load() {
    if (!wanted || !visible) return;
    const address = `${API}summary/timeline/${query({ ...periodFilters(wanted.filters), interval: wanted.interval || "month" })}`;
    if (address === shown) return;
    shown = address;
    const request = ++latest;
    node.setAttribute("aria-busy", "true");
    node.dataset.state = "updating";
    let content;
    try {
      const timeline = await getJSON(address);
      content = [trendChart(timeline, body.clientWidth), trendLegend(), trendTable(timeline)];
    } catch (error) {
      shown = null; // to be asked again
      content = [el("p", { class: "notice error", role: "alert" }, fill(gettext("%(problem)s The trend cannot be shown right now."), { problem: error.message }))];
    }
    if (request !== latest) return; // a later view asked for another trend
    body.replaceChildren(...content);
    node.setAttribute("aria-busy", "false");
    node.dataset.state = "ready";
  }

  new IntersectionObserver((entries) => {
    visible = entries.some((entry) => entry.isIntersecting);
    load();
  }).observe(node);

  return {
    node,
    show(view) {
      wanted = view;
      interval.value = view.interval || "month";
      const ignored = FILTERS.filter((name) => view.filters[name] && !PERIOD_FILTERS.includes(name));
      note.textContent = ignored.length
        ? gettext("The trend follows the pillar and place filters; the status and assessment filters choose by today's state, so it counts every status.")
        : gettext("Counted at the end of each interval, as the overview counts today.");
      load();
    },
  };
}

async function loadPlaces() {
  const places = await getJSON(`${API}places/`);
  return { places, placeNames: Object.fromEntries(places.map((place) => [place.slug, place.name])) };
}

function loadSummary(filters) {
  return getJSON(`${API}summary/${query(filters)}`);
}

async function loadPage({ filters, ordering, page }) {
  const url = (at) => `${API}commitments/${query({ ...filters, ordering, page: at > 1 ? at : "", page_size: PAGE_SIZE })}`;
  try {
    return { list: await getJSON(url(page)), page };
  } catch (error) {
    // A page that no longer exists (fewer commitments since the link was made): the first.
    if (error.status === 404 && page > 1) return { list: await getJSON(url(1)), page: 1 };
    throw error;
  }
}

function sameFilters(a, b, names = FILTERS) {
  return names.every((name) => a[name] === b[name]);
}

/** What changed since `since` among the commitments the period filters choose, or why not. */
async function loadChanges(since, filters) {
  try {
    return await getJSON(`${API}changes/${query({ from: since, ...periodFilters(filters) })}`);
  } catch (error) {
    // A date the API refuses (in the future, say) is said beside the date, not instead of
    // the page.
    if (error.status === 400) {
      return {
        error: fill(gettext("The changes since %(date)s cannot be shown (the API says: %(problem)s): choose a date up to today."), {
          date: formatDate(since),
          problem: error.message.replace(/\.$/, ""),
        }),
      };
    }
    throw error;
  }
}

async function renderOverview(vocabulary) {
  let view = currentView();
  const [, reference, summary, first, latest, changes] = await Promise.all([
    vocabulary,
    loadPlaces(),
    loadSummary(view.filters),
    loadPage(view),
    getJSON(`${API}updates/?page_size=8`),
    view.since ? loadChanges(view.since, view.filters) : null,
  ]);
  if (first.page !== view.page) {
    view = { ...view, page: first.page };
    window.history.replaceState(null, "", viewUrl(view));
  }
  // The filters' pillars come from the summary, which lists every pillar, matched or not.
  reference.pillars = summary.pillars;
  let drawn = { view, summary, list: first.list, changes };

  const results = el("div", { id: "results", "aria-live": "polite" });
  const totals = el("div", { id: "totals-area" });
  const trend = createTrend((interval) => onChange({ ...drawn.view, interval }));
  let latestRequest = 0;

  function draw() {
    // A sort redraws the table: it keeps where the reader had scrolled it and the focus on the
    // header's button, so a narrow screen stays on the column just sorted (Code stays in view,
    // sticky).
    const scrolled = results.querySelector("#commitments .table-scroll")?.scrollLeft || 0;
    const sorting = results.contains(document.activeElement) ? document.activeElement.dataset.ordering : undefined;
    const changed = new Map((drawn.changes?.changes || []).map((change) => [change.code, change]));
    totals.replaceChildren(renderTotals(drawn.summary, drawn.view.filters));
    results.replaceChildren(
      renderPillars(drawn.summary.pillars),
      trend.node,
      renderAttention(drawn.summary, drawn.view, (target) => onChange(target)),
      renderSinceSummary(drawn.view.since, drawn.changes),
      renderCommitmentTable(
        drawn.list,
        drawn.view,
        {
          sort: (ordering) => onChange({ ...drawn.view, ordering, page: 1 }),
          go: (target) => onChange(target),
        },
        changed,
      ),
    );
    for (const name of FILTERS) form.elements[name].value = drawn.view.filters[name];
    form.elements.since.value = drawn.view.since;
    const scroller = results.querySelector("#commitments .table-scroll");
    if (scroller) scroller.scrollLeft = scrolled;
    if (sorting) results.querySelector(`#commitments .sort[data-ordering="${sorting}"]`)?.focus({ preventScroll: true });
  }

  /** Draws `next`, asking the API only for what changed: the summary when the filters did, a
   * page when the filters, the sort or the page did, the changes when the date or the pillar
   * or place did. The trend asks for itself, when it is in view. */
  async function show(next, { push }) {
    if (push) window.history.pushState(null, "", viewUrl(next));
    results.setAttribute("aria-busy", "true");
    main.dataset.state = "updating";
    const request = ++latestRequest;
    const previous = drawn.view;
    const filtersChanged = !sameFilters(next.filters, previous.filters);
    const pageChanged = filtersChanged || next.ordering !== previous.ordering || next.page !== previous.page;
    const changesChanged = next.since !== previous.since || !sameFilters(next.filters, previous.filters, PERIOD_FILTERS);
    trend.show(next);
    const [summary, page, changes] = await Promise.all([
      filtersChanged ? loadSummary(next.filters) : drawn.summary,
      pageChanged ? loadPage(next) : { list: drawn.list, page: previous.page },
      !next.since ? null : changesChanged ? loadChanges(next.since, next.filters) : drawn.changes,
    ]);
    // A slower answer to an earlier change must not replace the view of a later one.
    if (request !== latestRequest) return;
    drawn = { view: { ...next, page: page.page }, summary, list: page.list, changes };
    draw();
    results.setAttribute("aria-busy", "false");
    main.dataset.state = "ready";
  }

  const fail = (error) => showError(error, start);
  const onChange = (next) => show(next, { push: true }).catch(fail);
  const form = renderFilters(reference, view, {
    onChange: (filters, since = drawn.view.since) => onChange({ ...drawn.view, filters, since, page: 1 }),
    onSince: (since) => onChange({ ...drawn.view, since }),
  });
  window.onpopstate = () => show(currentView(), { push: false }).catch(fail);

  draw();
  results.setAttribute("aria-busy", "false");
  main.replaceChildren(
    el("h1", {}, gettext("Paris Roadmap: where the commitments stand")),
    el("p", { class: "lede" }, gettext("Commitments of the Global Coalition to Defeat Daesh/ISIS, adopted in Paris on 25 June 2019, and the latest assessment of each.")),
    totals,
    form,
    results,
    renderLatest(latest.results),
  );
  trend.show(view);
}

// --- a commitment ------------------------------------------------------------------------

function safeUrl(url) {
  if (!url) return null;
  try {
    const parsed = new URL(url, window.location.href);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch (error) {
    return null;
  }
}

function tagList(title, items) {
  return el("div", { class: "tags" }, el("h3", {}, title), items.length ? el("ul", {}, items.map((item) => el("li", {}, item.name))) : el("p", {}, gettext("None named.")));
}

/** A time scale onto [left, right] for dates in milliseconds: the earliest at the left, the latest at
 * the right, and a single date alone in the middle. */
function timeScale(times, left, right) {
  const first = Math.min(...times);
  const last = Math.max(...times);
  const x = (time) => (last === first ? (left + right) / 2 : left + ((time - first) / (last - first)) * (right - left));
  return { first, last, x };
}

// Steps between a date axis's ticks, in months: the first that gives at most five ticks.
const TICK_STEPS = [1, 2, 3, 6, 12, 24, 60, 120, 240, 600];

/** The ticks of a date axis from `first` to `last` (milliseconds), as [{ time, label }]: the
 * starts of months or years within the range (a step of a year or more is labelled by the year
 * alone); the two ends, dated, when fewer than two such starts fall within; one date alone once. */
function dateTicks(first, last) {
  if (first === last) return [{ time: first, label: dateFormat.format(new Date(first)) }];
  const start = new Date(first);
  const end = new Date(last);
  const fromMonth = start.getFullYear() * 12 + start.getMonth() + (start.getDate() === 1 ? 0 : 1);
  const toMonth = end.getFullYear() * 12 + end.getMonth();
  for (const step of TICK_STEPS) {
    const months = [];
    for (let month = Math.ceil(fromMonth / step) * step; month <= toMonth; month += step) months.push(month);
    if (months.length > 5) continue;
    if (months.length < 2) break;
    return months.map((month) => {
      const date = new Date(Math.floor(month / 12), month % 12, 1);
      return { time: date.getTime(), label: step >= 12 ? yearFormat.format(date) : monthFormat.format(date) };
    });
  }
  return [first, last].map((time) => ({ time, label: dateFormat.format(new Date(time)) }));
}

/** A date axis's ticks and labels under a chart's horizontal axis at `y`, placed by `scale`. */
function dateAxis(scale, y) {
  return svg(
    "g",
    { class: "date-axis" },
    dateTicks(scale.first, scale.last).flatMap((tick) => [
      svg("line", { x1: scale.x(tick.time), x2: scale.x(tick.time), y1: y, y2: y + 4, class: "axis" }),
      svg("text", { x: scale.x(tick.time), y: y + 15, class: "axis-label tick-label", "text-anchor": "middle" }, tick.label),
    ]),
  );
}

function progressOn(point) {
  return fill(gettext("%(progress)s on %(date)s"), { progress: percent(point.progress), date: formatDate(point.as_of) });
}

/** Progress over time, as a line through each reported value that a correction did not replace. */
function progressChart(updates) {
  const points = updates
    .filter((update) => update.progress !== null && update.corrected_by === null)
    .map((update) => ({ date: new Date(`${update.as_of}T00:00:00`), progress: update.progress, as_of: update.as_of }))
    .sort((a, b) => a.date - b.date);
  if (!points.length) return null;
  const [width, height, pad] = [320, 140, 36];
  const scale = timeScale(points.map((point) => point.date.getTime()), pad, width - pad);
  const x = (point) => scale.x(point.date.getTime());
  const y = (point) => height - pad - (point.progress / 100) * (height - 2 * pad);
  const chart = svg(
    "svg",
    {
      viewBox: `0 0 ${width} ${height}`,
      class: "progress-chart",
      role: "img",
      "aria-label": fill(gettext("Progress over time: %(points)s"), { points: points.map(progressOn).join(gettext(", ")) }),
    },
    svg("line", { x1: pad, x2: width - pad, y1: height - pad, y2: height - pad, class: "axis" }),
    svg("line", { x1: pad, x2: pad, y1: pad, y2: height - pad, class: "axis" }),
    svg("text", { x: pad - 4, y: pad + 4, class: "axis-label", "text-anchor": "end" }, percent(100)),
    svg("text", { x: pad - 4, y: height - pad + 4, class: "axis-label", "text-anchor": "end" }, percent(0)),
    dateAxis(scale, height - pad),
    svg("polyline", { points: points.map((point) => `${x(point)},${y(point)}`).join(" "), class: "line" }),
    points.map((point) => svg("circle", { cx: x(point), cy: y(point), r: 3, class: "point" }, svg("title", {}, progressOn(point)))),
  );
  return el("figure", { class: "chart" }, chart, el("figcaption", {}, gettext("Assessed progress over time, as each status update reported it")));
}

// What each letter and digit of an evidence grade means (STANAG 2511), as the page gives it from
// the models' own words.
const GRADE_WORDS = JSON.parse(document.getElementById("grade-words")?.textContent || "null") || { reliability: {}, credibility: {} };

/** A piece's grade as a badge ("B2"), spelt out for a pointer and a screen reader. */
function gradeBadge(piece) {
  const words = fill(gettext("source %(reliability)s, information %(credibility)s"), {
    reliability: GRADE_WORDS.reliability[piece.reliability] ?? piece.reliability,
    credibility: GRADE_WORDS.credibility[piece.credibility] ?? piece.credibility,
  });
  return el("span", { class: "grade", role: "img", title: words, "aria-label": fill(gettext("Grade %(grade)s: %(words)s"), { grade: piece.grade, words }) }, piece.grade);
}

/** The evidence a record cites (what the reader's clearance reads of it), each with its grade. */
function renderEvidence(pieces) {
  if (!pieces || !pieces.length) return null;
  return el(
    "ul",
    { class: "evidence", "aria-label": gettext("Evidence") },
    pieces.map((piece) => {
      const url = safeUrl(piece.url);
      return el(
        "li",
        { "data-evidence": piece.id },
        gradeBadge(piece),
        " ",
        url ? el("a", { href: url, rel: "noopener noreferrer" }, piece.source) : piece.source,
        piece.reference ? `, ${piece.reference}` : "",
        ` (${formatDate(piece.date)})`,
      );
    }),
  );
}

function renderTimeline(updates) {
  if (!updates.length) return el("p", { class: "empty" }, gettext("No status update yet: this commitment has not been assessed."));
  return el(
    "ol",
    { class: "timeline" },
    updates.map((update) => {
      const superseded = update.corrected_by !== null;
      return el(
        "li",
        { "data-update": update.id, class: superseded ? "superseded" : null },
        superseded ? el("p", { class: "superseded-note" }, fill(gettext("Superseded: corrected by a later update (#%(id)s)."), { id: update.corrected_by })) : null,
        el("p", { class: "update-head" }, el("time", { datetime: update.as_of }, formatDate(update.as_of)), " ", statusBadge(update.status, update.status_label), update.progress !== null ? el("span", { class: "progress" }, percent(update.progress)) : null, markingFlag(update)),
        el("p", { class: "summary", dir: "auto" }, update.summary),
        el(
          "p",
          { class: "meta" },
          fill(gettext("Recorded %(date)s by %(author)s"), { date: formatDate(update.created_at), author: update.author }),
          update.confidence ? fill(gettext(" · %(confidence)s confidence"), { confidence: update.confidence }) : "",
          update.corrects ? fill(gettext(" · corrects update #%(id)s"), { id: update.corrects }) : "",
        ),
        renderEvidence(update.evidence),
      );
    }),
  );
}

// --- a commitment's indicators -------------------------------------------------------------
//
// What the API says of each indicator, in its own words: the baseline, target and latest value
// are the API's phrases ("approximately US$20 billion"), never reworded here. Figures are
// decimal strings: formatted from the string, and read as numbers only to place a chart's marks.

const figureFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 4 });
// An axis's ends only ("30B"): geometry, not a figure of the API.
const axisFormat = new Intl.NumberFormat(LOCALE, { notation: "compact" });

/** A decimal string as text ("20000000000" → "20,000,000,000"): Intl formats the string exactly. */
function formatFigure(value) {
  return figureFormat.format(value);
}

/** The indicator's progress, said so that it cannot be taken for the commitment's assessed one. */
function indicatorProgress(indicator) {
  if (indicator.progress !== null && indicator.direction === "maintain") {
    return fill(gettext("%(progress)s (%(whole)s while the value stays between the baseline and the target)"), {
      progress: percent(indicator.progress),
      whole: percent(100),
    });
  }
  if (indicator.progress !== null) return fill(gettext("%(progress)s of the way from the baseline to the target"), { progress: percent(indicator.progress) });
  if (indicator.target.value === null) return gettext("No target");
  if (indicator.latest_value === null) return gettext("No value yet");
  return "—";
}

/** The approved values a correction did not replace, oldest first, each with the date it describes. */
function standingValues(values) {
  return values
    .filter((value) => value.corrected_by === null)
    .map((value) => ({ ...value, date: value.as_of || value.period_end }))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/** Baseline → values → target as a small chart, with the same figures as a table beside it. */
function indicatorChart(indicator, values) {
  const rows = [];
  const { baseline: start, target: goal } = indicator;
  if (start.value !== null) rows.push({ kind: "baseline", label: gettext("Baseline"), value: start.value, date: start.date, phrase: start.phrase });
  for (const value of values) rows.push({ kind: "value", label: gettext("Value"), value: value.value, date: value.date, phrase: value.phrase });
  const target = goal.value !== null ? { kind: "target", label: gettext("Target"), value: goal.value, date: goal.date, phrase: goal.phrase } : null;
  if (!rows.length && !target) return null;

  const [width, height, pad] = [320, 150, 40];
  const numbers = [...rows, ...(target ? [target] : [])].map((row) => Number.parseFloat(row.value));
  const low = Math.min(0, ...numbers);
  const high = Math.max(...numbers) > low ? Math.max(...numbers) : low + 1;
  const time = (row) => new Date(`${row.date}T00:00:00`).getTime();
  const times = [...rows, ...(target && target.date ? [target] : [])].filter((row) => row.date).map(time);
  const scale = times.length ? timeScale(times, pad, width - pad) : null;
  // An undated figure (a baseline "since 2014") stands at the start.
  const x = (row) => (row.date ? scale.x(time(row)) : pad);
  const y = (value) => height - pad - ((Number.parseFloat(value) - low) / (high - low)) * (height - 2 * pad);
  const titleId = `indicator-${indicator.id}-chart-title`;
  const descId = `indicator-${indicator.id}-chart-desc`;
  const summary = [...rows, ...(target ? [target] : [])]
    .map((row) => {
      const figure = fill(gettext("%(figure)s %(phrase)s"), { figure: row.label.toLocaleLowerCase(LANGUAGE), phrase: row.phrase });
      return row.date ? fill(gettext("%(figure)s (%(date)s)"), { figure, date: formatDate(row.date) }) : figure;
    })
    .join(gettext(", "));
  const chart = svg(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, class: "indicator-chart", role: "img", "aria-labelledby": `${titleId} ${descId}` },
    svg("title", { id: titleId }, fill(gettext("%(indicator)s: from the baseline toward the target"), { indicator: indicator.name })),
    svg("desc", { id: descId }, summary),
    svg("line", { x1: pad, x2: width - pad, y1: height - pad, y2: height - pad, class: "axis" }),
    svg("line", { x1: pad, x2: pad, y1: pad, y2: height - pad, class: "axis" }),
    svg("text", { x: pad - 4, y: y(high) + 4, class: "axis-label", "text-anchor": "end" }, axisFormat.format(high)),
    svg("text", { x: pad - 4, y: y(low) + 4, class: "axis-label", "text-anchor": "end" }, axisFormat.format(low)),
    scale ? dateAxis(scale, height - pad) : null,
    target
      ? svg("line", { x1: pad, x2: width - pad, y1: y(target.value), y2: y(target.value), class: "target-line" }, svg("title", {}, fill(gettext("%(what)s: %(counts)s"), { what: target.label, counts: target.phrase })))
      : null,
    rows.length > 1 ? svg("polyline", { points: rows.map((row) => `${x(row)},${y(row.value)}`).join(" "), class: "line" }) : null,
    rows.map((row) => svg("circle", { cx: x(row), cy: y(row.value), r: 3, class: row.kind === "baseline" ? "point baseline" : "point" }, svg("title", {}, fill(gettext("%(what)s: %(counts)s"), { what: row.label, counts: row.phrase })))),
  );
  const table = el(
    "table",
    { class: "indicator-values" },
    el("caption", {}, gettext("The figures charted")),
    el("thead", {}, el("tr", {}, [gettext("Figure"), gettext("Date"), gettext("Value"), gettext("As stated")].map((name) => el("th", { scope: "col" }, name)))),
    el(
      "tbody",
      {},
      [...rows, ...(target ? [target] : [])].map((row) =>
        el("tr", { "data-kind": row.kind }, el("th", { scope: "row" }, row.label), el("td", {}, row.date ? formatDate(row.date) : "—"), el("td", { class: "figure" }, formatFigure(row.value)), el("td", {}, row.phrase)),
      ),
    ),
  );
  return el("figure", { class: "chart indicator-figure" }, chart, el("figcaption", {}, table));
}

/** An API phrase, with the date it is of when it has one: "US$20 billion (25 Jun 2019)". */
function phraseOn(phrase, date) {
  return date ? fill(gettext("%(figure)s (%(date)s)"), { figure: phrase, date: formatDate(date) }) : phrase;
}

function renderIndicator(indicator, values, source) {
  const baseline = indicator.baseline;
  const cited = baseline.document === source.document ? source.title : baseline.document;
  const figures = [
    ["baseline", gettext("Baseline"), baseline.phrase ? phraseOn(baseline.phrase, baseline.date) : gettext("Not known")],
    ["latest", gettext("Latest approved value"), indicator.latest_phrase ? phraseOn(indicator.latest_phrase, indicator.latest_date) : gettext("No value yet")],
    [
      "target",
      gettext("Target"),
      indicator.target.phrase
        ? indicator.target.date
          ? fill(gettext("%(phrase)s by %(date)s"), { phrase: indicator.target.phrase, date: formatDate(indicator.target.date) })
          : indicator.target.phrase
        : gettext("No target"),
    ],
    ["progress", gettext("Indicator progress"), indicatorProgress(indicator), gettext("Computed from the latest approved value")],
  ];
  return el(
    "article",
    { class: "indicator", "data-indicator": indicator.id, "aria-labelledby": `indicator-${indicator.id}-name` },
    el("h3", { id: `indicator-${indicator.id}-name` }, indicator.name),
    el(
      "p",
      { class: "meta" },
      fill(gettext("%(measure)s · unit: %(unit)s"), { measure: indicator.measure, unit: indicator.unit_label }),
      indicator.direction ? fill(gettext(" · direction: %(direction)s"), { direction: indicator.direction }) : "",
    ),
    el(
      "dl",
      { class: "figures" },
      figures.map(([field, label, value, hint]) =>
        el("div", {}, el("dt", {}, label), el("dd", { "data-figure": field }, value), hint ? el("dd", { class: "hint" }, hint) : null),
      ),
    ),
    baseline.quote
      ? el("figure", { class: "quote baseline-quote" }, el("blockquote", {}, el("p", { dir: "auto" }, baseline.quote)), el("figcaption", {}, baseline.paragraph ? paragraphOf(cited, baseline.paragraph) : cited))
      : null,
    indicator.measure === "quantitative" ? indicatorChart(indicator, values) : null,
  );
}

/** A commitment's indicators; null when it has none. */
function renderIndicators(indicators, valuesOf, source) {
  if (!indicators.length) return null;
  return section("indicators", gettext("Indicators"), indicators.map((indicator) => renderIndicator(indicator, valuesOf.get(indicator.id) || [], source)));
}

/** The values to chart: asked for only of a quantitative indicator with an approved value. */
async function loadIndicatorValues(indicators) {
  const charted = indicators.filter((indicator) => indicator.measure === "quantitative" && indicator.latest_value !== null);
  const lists = await Promise.all(charted.map((indicator) => getAll(indicator.values_url)));
  return new Map(charted.map((indicator, at) => [indicator.id, standingValues(lists[at])]));
}

// --- a commitment's contributions ----------------------------------------------------------
//
// What partners contribute to the commitment, as contributions/ lists them (newest first):
// a correction replaced the one it corrects, which is still listed, for the record, but marked.

const moneyFormats = new Map();

/** An amount as the API gives it (a decimal string, "1000.50") in its currency.
 *
 * The string goes to Intl.NumberFormat as it is, never through parseFloat: Intl formats a
 * numeric string as an exact decimal (ECMA-402, Intl.NumberFormat v3), so an amount of 16
 * digits is shown to the cent rather than rounded through a double. Each currency keeps its
 * usual decimals (none for yen, three for dinars), and shows cents where the API recorded
 * them, so rounding never hides part of an amount. */
function money(amount, currency) {
  if (!moneyFormats.has(currency)) {
    const usual = new Intl.NumberFormat(LOCALE, { style: "currency", currency }).resolvedOptions().minimumFractionDigits;
    moneyFormats.set(
      currency,
      new Intl.NumberFormat(LOCALE, { style: "currency", currency, minimumFractionDigits: usual, maximumFractionDigits: Math.max(usual, 2) }),
    );
  }
  return moneyFormats.get(currency).format(amount);
}

function contributed(contribution) {
  return contribution.amount !== null ? money(contribution.amount, contribution.currency) : fill(gettext("%(count)s %(unit)s"), { count: formatFigure(contribution.count), unit: contribution.unit });
}

function renderContributions(contributions) {
  if (!contributions.length) return section("contributions", gettext("Contributions"), el("p", { class: "empty" }, gettext("No contribution to this commitment has been recorded yet.")));
  const standing = contributions.filter((contribution) => contribution.corrected_by === null).length;
  return section(
    "contributions",
    fill(gettext("Contributions (%(count)s)"), { count: number(standing) }),
    el(
      "div",
      { class: "table-scroll", tabindex: "0" }, // scrolled from the keyboard too
      el(
        "table",
        { class: "contributions" },
        el(
          "caption",
          { class: "table-caption" },
          gettext("What partners contribute to this commitment, newest first. Money is in its own currency; a contribution a correction replaced is struck through and counts in no total."),
        ),
        el("thead", {}, el("tr", {}, [gettext("Date"), gettext("Partner"), gettext("Kind"), gettext("Amount")].map((name) => el("th", { scope: "col" }, name)))),
        el(
          "tbody",
          {},
          contributions.map((contribution) => {
            const replaced = contribution.corrected_by !== null;
            return el(
              "tr",
              { "data-contribution": contribution.id, class: replaced ? "superseded" : null },
              el("td", {}, el("time", { datetime: contribution.date }, formatDate(contribution.date))),
              el("th", { scope: "row" }, contribution.partner_name),
              el("td", { "data-kind": contribution.kind }, contribution.kind_label),
              el(
                "td",
                { class: "amount" },
                el("span", { class: "figure" }, contributed(contribution)),
                replaced ? el("span", { class: "superseded-note" }, fill(gettext("Replaced by a correction (#%(id)s)"), { id: contribution.corrected_by })) : null,
              ),
            );
          }),
        ),
      ),
    ),
  );
}

// --- a commitment's dependencies -----------------------------------------------------------
//
// What it depends on and what depends on it, each with its status, from the commitment's own
// detail (no request of its own); the whole graph is the Dependencies page's.

function renderDependencies(commitment) {
  const { depends_on: dependsOn, dependents } = commitment;
  if (!dependsOn.length && !dependents.length) return null;
  const list = (items, id) =>
    el(
      "ul",
      { class: "children", id },
      items.map((item) => el("li", {}, commitmentLink(item.code, item.title), " ", statusBadge(item.status, item.status_label), item.note ? el("span", { class: "note" }, ` — ${item.note}`) : null)),
    );
  return section(
    "dependencies",
    gettext("Dependencies"),
    dependsOn.length ? [el("h3", {}, gettext("Depends on")), list(dependsOn, "depends-on")] : null,
    dependents.length ? [el("h3", {}, gettext("Depended on by")), list(dependents, "dependents")] : null,
    el("p", {}, el("a", { href: "/dependencies/" }, gettext("Every dependency of the Roadmap, as a graph"))),
  );
}

/** "Paris Roadmap, paragraph 12": where a quoted text stands in its document. */
function paragraphOf(document, paragraph) {
  return fill(gettext("%(document)s, paragraph %(paragraph)s"), { document, paragraph });
}

/** The browser's title of a page: "MIL-1 Degrade Daesh · Paris Roadmap tracker". */
function pageTitle(what) {
  return fill(gettext("%(page)s · Paris Roadmap tracker"), { page: what });
}

async function renderCommitment(code) {
  const commitment = await getJSON(`${API}commitments/${encodeURIComponent(code)}/`);
  const [history, valuesOf, contributions] = await Promise.all([
    getAll(`${API}commitments/${encodeURIComponent(code)}/updates/?page_size=200`),
    loadIndicatorValues(commitment.indicators),
    getAll(`${API}contributions/${query({ commitment: commitment.code, page_size: 200 })}`),
  ]);
  const source = commitment.source;
  const cite = paragraphOf(source.title, source.paragraph);
  document.title = pageTitle(`${commitment.code} ${commitment.title}`);
  const parts = [
    el("p", { class: "breadcrumb" }, el("a", { href: "/" }, gettext("All commitments")), commitment.parent ? [RTL ? " ‹ " : " › ", commitmentLink(commitment.parent)] : null),
    el("h1", {}, el("span", { class: "code" }, commitment.code), " ", commitment.title),
    el(
      "dl",
      { class: "current" },
      el("div", {}, el("dt", {}, gettext("Status")), el("dd", { "data-field": "status" }, statusBadge(commitment.status, commitment.status_label))),
      // Not the indicators' progress (computed from figures): the two are labelled apart.
      el(
        "div",
        {},
        el("dt", {}, gettext("Assessed progress")),
        el("dd", { "data-field": "progress" }, progressText(commitment.progress)),
        el("dd", { class: "hint" }, gettext("The analyst's estimate in the latest approved status update")),
      ),
      el("div", {}, el("dt", {}, gettext("As of")), el("dd", { "data-field": "as_of" }, formatDate(commitment.as_of))),
      el("div", {}, el("dt", {}, gettext("Pillar")), el("dd", {}, commitment.pillar.name)),
      el("div", {}, el("dt", {}, gettext("Freshness")), el("dd", { "data-field": "stale" }, freshnessText(commitment))),
      commitment.target_date ? el("div", {}, el("dt", {}, gettext("Target date")), el("dd", {}, formatDate(commitment.target_date))) : null,
    ),
    el(
      "figure",
      { class: "quote" },
      el("blockquote", {}, el("p", { dir: "auto" }, commitment.text)),
      el("figcaption", {}, safeUrl(source.url) ? el("a", { href: safeUrl(source.url) }, cite) : cite),
    ),
    commitment.children.length
      ? el("section", { "aria-labelledby": "children-title" }, el("h2", { id: "children-title" }, gettext("Its tools")), el("ul", { class: "children" }, commitment.children.map((child) => el("li", {}, commitmentLink(child.code, child.title), " ", statusBadge(child.status, child.status_label)))))
      : null,
    renderDependencies(commitment),
    renderIndicators(commitment.indicators, valuesOf, source),
    renderContributions(contributions),
    el("div", { class: "tag-lists" }, tagList(gettext("Places"), commitment.places), tagList(gettext("Partners"), commitment.partners), tagList(gettext("Themes"), commitment.themes)),
    el(
      "section",
      { id: "history", "aria-labelledby": "history-title" },
      el("h2", { id: "history-title" }, fill(gettext("Status history (%(count)s)"), { count: number(history.length) })),
      progressChart(history),
      renderTimeline(history),
    ),
  ];
  main.replaceChildren(...parts.filter(Boolean));
}

// --- other pages ---------------------------------------------------------------------------
//
// A page of its own (the Contributions page, ...) is a module that exports `render(kit)`: the
// shell imports it from the address the server gives (data-module, hashed once collected, so
// never a stale copy) and hands it these helpers, so that every page draws, fetches and fails
// alike. `render` resolves once the page is drawn; later redraws (a filter) are its own, and
// it reports their failures with `kit.fail`.

const KIT = {
  main,
  API,
  ApiError,
  LANGUAGE,
  FORWARD,
  el,
  svg,
  getJSON,
  getAll,
  query,
  formatDate,
  number,
  percent,
  fill,
  pageTitle,
  money,
  section,
  statusBadge,
  coloured,
  commitmentLink,
  // The status vocabulary (labels, colours), asked for once by a page that shows statuses.
  vocabulary: () => (STATUSES.length ? Promise.resolve() : loadStatuses()),
  filterField,
  filterSelect,
  fail: (error) => showError(error, start),
};

async function renderModule(url) {
  const page = await import(url);
  await page.render(KIT);
}

// --- start -------------------------------------------------------------------------------

async function start() {
  main.setAttribute("aria-busy", "true");
  main.dataset.state = "loading";
  try {
    // The vocabulary is asked for alongside the page's data, not before it.
    const vocabulary = () => (STATUSES.length ? Promise.resolve() : loadStatuses());
    if (main.dataset.module) await renderModule(main.dataset.module);
    else if (main.dataset.commitment) {
      await vocabulary();
      await renderCommitment(main.dataset.commitment);
    } else await renderOverview(vocabulary());
  } catch (error) {
    if (!(error instanceof ApiError)) console.error(error);
    showError(error instanceof ApiError ? error : new ApiError(0, gettext("Something went wrong.")), start);
    return;
  }
  main.setAttribute("aria-busy", "false");
  // What a benchmark or a test waits for: everything of the view is drawn.
  main.dataset.state = "ready";
}

start();
