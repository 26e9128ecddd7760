// The Paris Roadmap dashboard: the reference client of the public API v1.
//
// Everything on the page comes from the API; nothing is injected as HTML: text from the API
// (titles, summaries) is always set as text, so an analyst's "<script>" shows as typed.

const main = document.getElementById("main");
const API = main.dataset.apiRoot; // "/api/v1/"

// The status vocabulary, from the API (statuses/, the one place it is defined): the order
// statuses are stacked and listed in, as [value, label] pairs, their labels and their colours.
// Every colour is shown with its label or a count as text.
let STATUSES = [];
let STATUS_LABELS = {};
let STATUS_COLOURS = {};
const URGENCY = { off_track: 0, at_risk: 1 };
const FILTERS = ["pillar", "status", "place"];
const ATTENTION_SHOWN = 12;

class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

// --- small helpers -----------------------------------------------------------------------

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
    response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  } catch (error) {
    throw new ApiError(0, "The tracker's API could not be reached.");
  }
  let body = null;
  try {
    body = await response.json();
  } catch (error) {
    body = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, (body && body.detail) || `The API answered ${response.status}.`);
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

const dateFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric" });

function formatDate(iso) {
  if (!iso) return "—";
  const date = iso.length === 10 ? new Date(`${iso}T00:00:00`) : new Date(iso);
  return dateFormat.format(date);
}

function statusBadge(status, label) {
  return coloured(el("span", { class: `badge status-${status}` }, label || STATUS_LABELS[status] || status), status);
}

/** The element in its status's colour (CSSOM, which a Content-Security-Policy allows). */
function coloured(node, status) {
  node.style.setProperty("--status-colour", STATUS_COLOURS[status] || "");
  return node;
}

async function loadStatuses() {
  const statuses = await getJSON(`${API}statuses/`);
  STATUSES = statuses.map((status) => [status.value, status.label]);
  STATUS_LABELS = Object.fromEntries(STATUSES);
  STATUS_COLOURS = Object.fromEntries(statuses.map((status) => [status.value, status.colour]));
}

function progressText(progress) {
  return progress === null || progress === undefined ? "—" : `${progress}%`;
}

function commitmentLink(code, title) {
  return el("a", { href: `/commitments/${encodeURIComponent(code)}/` }, title ? `${code} ${title}` : code);
}

function section(id, title, ...children) {
  return el("section", { id, "aria-labelledby": `${id}-title` }, el("h2", { id: `${id}-title` }, title), ...children);
}

function showError(error, retry) {
  const notice = el("div", { class: "notice error", role: "alert" });
  if (error.status === 404) {
    notice.append(el("p", {}, error.message), el("p", {}, el("a", { href: "/" }, "See all commitments")));
  } else if (error.status === 401 || error.status === 403) {
    notice.append(
      el("p", {}, "This tracker's data is visible to signed-in users only. "),
      el("p", {}, el("a", { href: main.dataset.signInUrl }, "Sign in"), " to see the Roadmap."),
    );
  } else {
    notice.append(
      el("p", {}, `${error.message} The dashboard cannot show the Roadmap right now.`),
      el("button", { type: "button", class: "button" }, "Try again"),
    );
    notice.querySelector("button").addEventListener("click", retry);
  }
  main.replaceChildren(notice);
  main.setAttribute("aria-busy", "false");
}

// --- the overview ------------------------------------------------------------------------

function currentFilters() {
  const params = new URLSearchParams(window.location.search);
  return Object.fromEntries(FILTERS.map((name) => [name, params.get(name) || ""]));
}

function countByStatus(commitments) {
  const counts = Object.fromEntries(STATUSES.map(([status]) => [status, 0]));
  for (const commitment of commitments) counts[commitment.status] += 1;
  return counts;
}

function averageProgress(commitments) {
  const reported = commitments.filter((commitment) => commitment.progress !== null);
  if (!reported.length) return null;
  const total = reported.reduce((sum, commitment) => sum + commitment.progress, 0);
  return Math.round((total * 10) / reported.length) / 10; // half up, as the API rounds
}

/** A bar of the commitments by status, each segment labelled with its count. */
function stackedBar(counts, label) {
  const parts = STATUSES.filter(([status]) => counts[status]);
  const bar = el("div", {
    class: "stacked-bar",
    role: "img",
    "aria-label": `${label}: ${parts.map(([status, name]) => `${counts[status]} ${name.toLowerCase()}`).join(", ") || "none"}`,
  });
  for (const [status, name] of parts) {
    const segment = coloured(el("span", { class: `segment status-${status}`, title: `${name}: ${counts[status]}` }, counts[status]), status);
    segment.style.flexGrow = counts[status]; // CSSOM, which a Content-Security-Policy allows
    bar.append(segment);
  }
  return bar;
}

function breakdown(counts) {
  return el(
    "ul",
    { class: "breakdown" },
    STATUSES.filter(([status]) => counts[status]).map(([status, label]) =>
      el("li", {}, coloured(el("span", { class: `swatch status-${status}`, "aria-hidden": "true" }), status), `${counts[status]} ${label.toLowerCase()}`),
    ),
  );
}

function renderTotals(summary) {
  const attention = summary.by_status.at_risk + summary.by_status.off_track;
  return el(
    "section",
    { id: "totals", "aria-label": "The whole Roadmap" },
    el(
      "dl",
      { class: "totals" },
      el("div", {}, el("dt", {}, "Commitments"), el("dd", { "data-total": "commitments" }, summary.total)),
      el("div", {}, el("dt", {}, "At risk or off track"), el("dd", { "data-total": "attention" }, attention)),
      el("div", {}, el("dt", {}, "Stale"), el("dd", { "data-total": "stale" }, summary.stale)),
      el(
        "div",
        {},
        el("dt", {}, "Average progress"),
        el("dd", { "data-total": "progress" }, progressText(summary.average_progress)),
      ),
      el("div", {}, el("dt", {}, "Latest update"), el("dd", { "data-total": "latest" }, formatDate(summary.latest_update_at))),
    ),
    el("div", { class: "whole-roadmap" }, stackedBar(summary.by_status, "All commitments by status"), breakdown(summary.by_status)),
  );
}

function renderFilters(reference, filters, onChange) {
  const select = (name, label, options) =>
    el(
      "div",
      { class: "field" },
      el("label", { for: `filter-${name}` }, label),
      el(
        "select",
        { id: `filter-${name}`, name },
        el("option", { value: "" }, "All"),
        options.map(([value, text]) => el("option", { value, selected: value === filters[name] }, text)),
      ),
    );
  const form = el(
    "form",
    { id: "filters", class: "filters", role: "search", "aria-label": "Filter commitments" },
    select("pillar", "Pillar", reference.pillars.map((pillar) => [pillar.slug, pillar.name])),
    select("status", "Status", STATUSES),
    select(
      "place",
      "Place",
      reference.places.map((place) => [place.slug, place.parent ? `${place.name} (in ${reference.placeNames[place.parent]})` : place.name]),
    ),
    el("button", { type: "reset", class: "button secondary" }, "Clear filters"),
  );
  form.addEventListener("change", () => {
    const values = Object.fromEntries(FILTERS.map((name) => [name, form.elements[name].value]));
    onChange(values);
  });
  form.addEventListener("reset", (event) => {
    event.preventDefault();
    onChange({ pillar: "", status: "", place: "" });
  });
  return form;
}

function renderPillars(pillars, commitments) {
  const rows = pillars
    .map((pillar) => {
      const own = commitments.filter((commitment) => commitment.pillar.slug === pillar.slug);
      return { pillar, own };
    })
    .filter(({ own }) => own.length);
  if (!rows.length) return section("pillars", "By pillar", el("p", { class: "empty" }, "No commitment matches these filters."));
  return section(
    "pillars",
    "By pillar",
    el(
      "table",
      { class: "pillars" },
      el(
        "thead",
        {},
        el("tr", {}, el("th", { scope: "col" }, "Pillar"), el("th", { scope: "col" }, "Commitments by status"), el("th", { scope: "col" }, "Average progress"), el("th", { scope: "col" }, "Stale")),
      ),
      el(
        "tbody",
        {},
        rows.map(({ pillar, own }) => {
          const counts = countByStatus(own);
          return el(
            "tr",
            { "data-pillar": pillar.slug },
            el("th", { scope: "row" }, pillar.name, el("span", { class: "count", "data-count": "total" }, `${own.length} commitments`)),
            el("td", {}, stackedBar(counts, `${pillar.name} by status`), breakdown(counts)),
            el("td", { "data-count": "progress" }, progressText(averageProgress(own))),
            el("td", { "data-count": "stale" }, own.filter((commitment) => commitment.is_stale).length),
          );
        }),
      ),
    ),
  );
}

function needsAttention(commitments) {
  const urgency = (commitment) => URGENCY[commitment.status] ?? (commitment.is_stale ? 2 : 3);
  return commitments
    .filter((commitment) => urgency(commitment) < 3)
    .sort((a, b) => urgency(a) - urgency(b) || (a.as_of || "").localeCompare(b.as_of || "") || a.code.localeCompare(b.code));
}

function attentionReason(commitment) {
  if (commitment.status === "off_track" || commitment.status === "at_risk") {
    return `${commitment.status_label} as of ${formatDate(commitment.as_of)}`;
  }
  return commitment.as_of ? `Stale: last assessed ${formatDate(commitment.as_of)}` : "Stale: never assessed";
}

function renderAttention(commitments) {
  const urgent = needsAttention(commitments);
  if (!urgent.length) {
    return section("attention", "Needs attention", el("p", { class: "empty" }, "Nothing here: no commitment is at risk, off track or stale."));
  }
  const shown = urgent.slice(0, ATTENTION_SHOWN);
  return section(
    "attention",
    "Needs attention",
    el(
      "ol",
      { class: "attention" },
      shown.map((commitment) =>
        el(
          "li",
          { "data-code": commitment.code },
          statusBadge(commitment.status, commitment.status_label),
          " ",
          commitmentLink(commitment.code, commitment.title),
          el("span", { class: "reason" }, attentionReason(commitment)),
        ),
      ),
    ),
    urgent.length > shown.length ? el("p", { class: "more" }, `And ${urgent.length - shown.length} more, listed below.`) : null,
  );
}

function renderLatest(updates) {
  if (!updates.length) {
    return section(
      "latest",
      "Latest updates",
      el("p", { class: "empty" }, "No status updates have been recorded yet: every commitment is not assessed."),
    );
  }
  return section(
    "latest",
    "Latest updates",
    el(
      "ol",
      { class: "updates" },
      updates.map((update) =>
        el(
          "li",
          { "data-update": update.id },
          el("p", { class: "update-head" }, commitmentLink(update.commitment), " ", statusBadge(update.status, update.status_label), el("span", { class: "date" }, `as of ${formatDate(update.as_of)}`)),
          el("p", { class: "summary" }, update.summary),
        ),
      ),
    ),
  );
}

function renderCommitmentTable(commitments) {
  if (!commitments.length) {
    return section("commitments", "Commitments", el("p", { class: "empty" }, "No commitment matches these filters."));
  }
  return section(
    "commitments",
    `Commitments (${commitments.length})`,
    el(
      "div",
      { class: "table-scroll" },
      el(
        "table",
        { class: "commitments" },
        el("thead", {}, el("tr", {}, ["Code", "Commitment", "Pillar", "Status", "Progress", "As of"].map((title) => el("th", { scope: "col" }, title)))),
        el(
          "tbody",
          {},
          commitments.map((commitment) =>
            el(
              "tr",
              { "data-code": commitment.code },
              el("td", { class: "nowrap" }, commitmentLink(commitment.code)),
              el("td", {}, commitment.title),
              el("td", {}, commitment.pillar.name),
              el("td", {}, statusBadge(commitment.status, commitment.status_label), commitment.is_stale ? el("span", { class: "stale-flag" }, "stale") : null),
              el("td", {}, progressText(commitment.progress)),
              el("td", { class: "nowrap" }, formatDate(commitment.as_of)),
            ),
          ),
        ),
      ),
    ),
  );
}

async function loadReference() {
  const [summary, places] = await Promise.all([getJSON(`${API}summary/`), getJSON(`${API}places/`)]);
  const placeNames = Object.fromEntries(places.map((place) => [place.slug, place.name]));
  return { summary, pillars: summary.pillars, places, placeNames };
}

async function renderOverview() {
  const reference = await loadReference();
  const latest = await getJSON(`${API}updates/?page_size=8`);
  const results = el("div", { id: "results", "aria-live": "polite" });

  let latestRequest = 0;

  async function show(filters, { push } = { push: false }) {
    const url = `${window.location.pathname}${query(filters)}`;
    if (push) window.history.pushState(filters, "", url);
    results.setAttribute("aria-busy", "true");
    const request = ++latestRequest;
    const commitments = await getAll(`${API}commitments/${query({ ...filters, page_size: 200 })}`);
    // A slower answer to an earlier filter must not replace the view of a later one.
    if (request !== latestRequest) return;
    results.replaceChildren(
      renderPillars(reference.pillars, commitments),
      renderAttention(commitments),
      renderCommitmentTable(commitments),
    );
    results.setAttribute("aria-busy", "false");
    for (const name of FILTERS) form.elements[name].value = filters[name];
  }

  const onChange = (filters) => show(filters, { push: true }).catch((error) => showError(error, start));
  const form = renderFilters(reference, currentFilters(), onChange);
  window.onpopstate = () => show(currentFilters()).catch((error) => showError(error, start));

  await show(currentFilters());
  main.replaceChildren(
    el("h1", {}, "Paris Roadmap: where the commitments stand"),
    el("p", { class: "lede" }, "Commitments of the Global Coalition to Defeat Daesh/ISIS, adopted in Paris on 25 June 2019, and the latest assessment of each."),
    renderTotals(reference.summary),
    el("div", { class: "columns" }, el("div", { class: "primary" }, form, results), el("aside", {}, renderLatest(latest.results))),
  );
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
  return el("div", { class: "tags" }, el("h3", {}, title), items.length ? el("ul", {}, items.map((item) => el("li", {}, item.name))) : el("p", {}, "None named."));
}

/** Progress over time, as a line through each reported value that a correction did not replace. */
function progressChart(updates) {
  const points = updates
    .filter((update) => update.progress !== null && update.corrected_by === null)
    .map((update) => ({ date: new Date(`${update.as_of}T00:00:00`), progress: update.progress, as_of: update.as_of }))
    .sort((a, b) => a.date - b.date);
  if (!points.length) return null;
  const [width, height, pad] = [320, 140, 36];
  const first = points[0].date.getTime();
  const span = Math.max(points[points.length - 1].date.getTime() - first, 1);
  const x = (point) => pad + ((point.date.getTime() - first) / span) * (width - 2 * pad);
  const y = (point) => height - pad - (point.progress / 100) * (height - 2 * pad);
  const chart = svg(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, class: "progress-chart", role: "img", "aria-label": `Progress over time: ${points.map((p) => `${p.progress}% on ${formatDate(p.as_of)}`).join(", ")}` },
    svg("line", { x1: pad, x2: width - pad, y1: height - pad, y2: height - pad, class: "axis" }),
    svg("line", { x1: pad, x2: pad, y1: pad, y2: height - pad, class: "axis" }),
    svg("text", { x: pad - 4, y: pad + 4, class: "axis-label", "text-anchor": "end" }, "100%"),
    svg("text", { x: pad - 4, y: height - pad + 4, class: "axis-label", "text-anchor": "end" }, "0%"),
    svg("text", { x: pad, y: height - 8, class: "axis-label" }, formatDate(points[0].as_of)),
    svg("text", { x: width - pad, y: height - 8, class: "axis-label", "text-anchor": "end" }, formatDate(points[points.length - 1].as_of)),
    svg("polyline", { points: points.map((point) => `${x(point)},${y(point)}`).join(" "), class: "line" }),
    points.map((point) => svg("circle", { cx: x(point), cy: y(point), r: 3, class: "point" }, svg("title", {}, `${point.progress}% on ${formatDate(point.as_of)}`))),
  );
  return el("figure", { class: "chart" }, chart, el("figcaption", {}, "Progress reported over time"));
}

function renderTimeline(updates) {
  if (!updates.length) return el("p", { class: "empty" }, "No status update yet: this commitment has not been assessed.");
  return el(
    "ol",
    { class: "timeline" },
    updates.map((update) => {
      const evidence = safeUrl(update.evidence_url);
      const superseded = update.corrected_by !== null;
      return el(
        "li",
        { "data-update": update.id, class: superseded ? "superseded" : null },
        superseded ? el("p", { class: "superseded-note" }, `Superseded: corrected by a later update (#${update.corrected_by}).`) : null,
        el("p", { class: "update-head" }, el("time", { datetime: update.as_of }, formatDate(update.as_of)), " ", statusBadge(update.status, update.status_label), update.progress !== null ? el("span", { class: "progress" }, `${update.progress}%`) : null),
        el("p", { class: "summary" }, update.summary),
        el(
          "p",
          { class: "meta" },
          `Recorded ${formatDate(update.created_at)} by ${update.author}`,
          update.confidence ? ` · ${update.confidence} confidence` : "",
          update.corrects ? ` · corrects update #${update.corrects}` : "",
          evidence || update.evidence_source ? " · Evidence: " : "",
          evidence ? el("a", { href: evidence, rel: "noopener noreferrer" }, update.evidence_source || evidence) : update.evidence_source,
        ),
      );
    }),
  );
}

async function renderCommitment(code) {
  const commitment = await getJSON(`${API}commitments/${encodeURIComponent(code)}/`);
  const history = await getAll(`${API}commitments/${encodeURIComponent(code)}/updates/?page_size=200`);
  const source = commitment.source;
  const cite = `${source.title}, paragraph ${source.paragraph}`;
  document.title = `${commitment.code} ${commitment.title} · Paris Roadmap tracker`;
  const parts = [
    el("p", { class: "breadcrumb" }, el("a", { href: "/" }, "All commitments"), commitment.parent ? [" › ", commitmentLink(commitment.parent)] : null),
    el("h1", {}, el("span", { class: "code" }, commitment.code), " ", commitment.title),
    el(
      "dl",
      { class: "current" },
      el("div", {}, el("dt", {}, "Status"), el("dd", { "data-field": "status" }, statusBadge(commitment.status, commitment.status_label))),
      el("div", {}, el("dt", {}, "Progress"), el("dd", { "data-field": "progress" }, progressText(commitment.progress))),
      el("div", {}, el("dt", {}, "As of"), el("dd", { "data-field": "as_of" }, formatDate(commitment.as_of))),
      el("div", {}, el("dt", {}, "Pillar"), el("dd", {}, commitment.pillar.name)),
      el("div", {}, el("dt", {}, "Review"), el("dd", { "data-field": "stale" }, commitment.is_stale ? "Stale: needs a new assessment" : "Up to date")),
      commitment.target_date ? el("div", {}, el("dt", {}, "Target date"), el("dd", {}, formatDate(commitment.target_date))) : null,
    ),
    el(
      "figure",
      { class: "quote" },
      el("blockquote", {}, el("p", {}, commitment.text)),
      el("figcaption", {}, safeUrl(source.url) ? el("a", { href: safeUrl(source.url) }, cite) : cite),
    ),
    commitment.children.length
      ? el("section", { "aria-labelledby": "children-title" }, el("h2", { id: "children-title" }, "Its tools"), el("ul", { class: "children" }, commitment.children.map((child) => el("li", {}, commitmentLink(child.code, child.title), " ", statusBadge(child.status, child.status_label)))))
      : null,
    el("div", { class: "tag-lists" }, tagList("Places", commitment.places), tagList("Partners", commitment.partners), tagList("Themes", commitment.themes)),
    el("section", { id: "history", "aria-labelledby": "history-title" }, el("h2", { id: "history-title" }, `Status history (${history.length})`), progressChart(history), renderTimeline(history)),
  ];
  main.replaceChildren(...parts.filter(Boolean));
}

// --- start -------------------------------------------------------------------------------

async function start() {
  main.setAttribute("aria-busy", "true");
  try {
    if (!STATUSES.length) await loadStatuses();
    if (main.dataset.commitment) await renderCommitment(main.dataset.commitment);
    else await renderOverview();
  } catch (error) {
    if (!(error instanceof ApiError)) console.error(error);
    showError(error instanceof ApiError ? error : new ApiError(0, "Something went wrong."), start);
    return;
  }
  main.setAttribute("aria-busy", "false");
}

start();
