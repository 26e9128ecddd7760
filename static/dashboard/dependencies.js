// The Dependencies page: every commitment that depends on another or that another depends on,
// as a graph coloured by status, from GET /api/v1/dependencies/ alone (and the vocabulary).
//
// A page module of the dashboard (see dashboard.js, "other pages"). The layout is the page's
// own, and small: a commitment that depends on nothing stands in the first column, and every
// other one column after the furthest of those it depends on (its longest path back), so that
// every arrow points back to an earlier column. Within a column, commitments are ordered by the
// average row of what they depend on, then by code, which keeps most arrows short. Its text
// alternative, beside it, is the list of the same dependencies in words.

const NODE_WIDTH = 168;
const NODE_HEIGHT = 44;
const COLUMN_GAP = 72;
const ROW_GAP = 16;
const MARGIN = 8;

let kit; // the shell's helpers, given to render()

/** {code: {code, title, status, status_label, url}} and the edges [[from, to, note]]: `from`
 * depends on `to`. */
function graphOf(dependencies) {
  const nodes = new Map();
  const edges = [];
  for (const dependency of dependencies) {
    for (const end of [dependency.commitment, dependency.depends_on]) nodes.set(end.code, end);
    edges.push([dependency.commitment.code, dependency.depends_on.code, dependency.note]);
  }
  return { nodes, edges };
}

/** Each commitment's column: 0 when it depends on nothing, else one more than the furthest of
 * those it depends on. The graph has no cycle (the API refuses one). */
function columnsOf(nodes, edges) {
  const dependsOn = new Map([...nodes.keys()].map((code) => [code, []]));
  for (const [from, to] of edges) dependsOn.get(from).push(to);
  const column = new Map();
  const place = (code) => {
    if (!column.has(code)) column.set(code, Math.max(-1, ...dependsOn.get(code).map(place)) + 1);
    return column.get(code);
  };
  for (const code of nodes.keys()) place(code);
  return { column, dependsOn };
}

/** {code: {x, y}}: columns left to right, rows by the average row of what each depends on. */
function layout(nodes, edges) {
  const { column, dependsOn } = columnsOf(nodes, edges);
  const columns = [];
  for (const [code, index] of column) (columns[index] ||= []).push(code);
  const row = new Map();
  const positions = new Map();
  columns.forEach((codes, index) => {
    const weight = (code) => {
      const rows = dependsOn.get(code).map((other) => row.get(other));
      return rows.length ? rows.reduce((sum, value) => sum + value, 0) / rows.length : 0;
    };
    codes.sort((a, b) => weight(a) - weight(b) || a.localeCompare(b));
    codes.forEach((code, at) => {
      row.set(code, at);
      positions.set(code, {
        x: MARGIN + index * (NODE_WIDTH + COLUMN_GAP),
        y: MARGIN + at * (NODE_HEIGHT + ROW_GAP),
      });
    });
  });
  const tallest = Math.max(...columns.map((codes) => codes.length));
  return {
    positions,
    width: 2 * MARGIN + columns.length * NODE_WIDTH + (columns.length - 1) * COLUMN_GAP,
    height: 2 * MARGIN + tallest * NODE_HEIGHT + (tallest - 1) * ROW_GAP,
  };
}

function graphSvg({ nodes, edges }) {
  const { svg } = kit;
  const { positions, width, height } = layout(nodes, edges);
  const arrows = edges.map(([from, to]) => {
    const start = positions.get(from);
    const end = positions.get(to);
    // From the left side of the dependent to the right side of what it depends on.
    const x1 = start.x;
    const y1 = start.y + NODE_HEIGHT / 2;
    const x2 = end.x + NODE_WIDTH;
    const y2 = end.y + NODE_HEIGHT / 2;
    let d;
    if (x1 - x2 <= COLUMN_GAP) {
      // To the next column: one curve across the gap.
      const bend = (x1 - x2) / 2;
      d = `M ${x1} ${y1} C ${x1 - bend} ${y1}, ${x2 + bend} ${y2}, ${x2 + 6} ${y2}`;
    } else {
      // Further back: along the gap between rows above the dependent's, which is free in
      // every column (rows share one grid), so that it never runs under another box.
      const lane = start.y - ROW_GAP / 2;
      const turn = COLUMN_GAP / 3;
      d =
        `M ${x1} ${y1} C ${x1 - turn} ${y1}, ${x1 - turn} ${lane}, ${x1 - 2 * turn} ${lane} ` +
        `L ${x2 + 2 * turn} ${lane} C ${x2 + turn} ${lane}, ${x2 + turn} ${y2}, ${x2 + 6} ${y2}`;
    }
    return svg("path", {
      class: "edge",
      d,
      "marker-end": "url(#arrow)",
      "data-from": from,
      "data-to": to,
    });
  });
  const boxes = [...nodes.values()].map((node) => {
    const { x, y } = positions.get(node.code);
    const box = svg(
      "a",
      { href: `/commitments/${encodeURIComponent(node.code)}/`, class: "node", "data-code": node.code, "data-status": node.status },
      svg("title", {}, `${node.code} ${node.title}: ${node.status_label}`),
      svg("rect", { x, y, width: NODE_WIDTH, height: NODE_HEIGHT, rx: 6 }),
      svg("text", { x: x + 10, y: y + 18, class: "code" }, node.code),
      svg("text", { x: x + 10, y: y + 35, class: "status" }, node.status_label),
    );
    kit.coloured(box, node.status);
    return box;
  });
  return svg(
    "svg",
    {
      class: "graph",
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: "img",
      "aria-labelledby": "graph-title graph-desc",
    },
    svg("title", { id: "graph-title" }, gettext("Which commitments depend on which")),
    svg(
      "desc",
      { id: "graph-desc" },
      gettext("Each box is a commitment, coloured by its status, which it also names; an arrow points from a commitment to one it depends on. The same dependencies are listed in words below."),
    ),
    svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, svg("path", { d: "M 0 0 L 10 5 L 0 10 z" }))),
    arrows,
    boxes,
  );
}

function edgeList({ nodes, edges }) {
  const { el } = kit;
  const end = (code) => {
    const node = nodes.get(code);
    return [kit.commitmentLink(node.code, node.title), " ", kit.statusBadge(node.status, node.status_label)];
  };
  return el(
    "ul",
    { class: "dependency-list" },
    edges.map(([from, to, note]) => el("li", {}, end(from), ` ${gettext("depends on")} `, end(to), note ? el("span", { class: "note" }, ` — ${note}`) : null)),
  );
}

export async function render(shellKit) {
  kit = shellKit;
  const { el, main } = kit;
  const [dependencies] = await Promise.all([kit.getAll(`${kit.API}dependencies/?page_size=200`), kit.vocabulary()]);
  document.title = kit.pageTitle(gettext("Dependencies"));
  const heading = el("h1", {}, gettext("Dependencies"));
  const intro = el(
    "p",
    {},
    gettext(
      "Lines of effort depend on each other: stabilization needs security, returns need stabilization. When a commitment moves to at risk or off track, the owners of the commitments that depend on it are told.",
    ),
  );
  if (!dependencies.length) {
    main.replaceChildren(heading, intro, el("p", { class: "empty" }, gettext("No dependency between commitments has been recorded yet.")));
    return;
  }
  const graph = graphOf(dependencies);
  main.replaceChildren(
    heading,
    intro,
    el("figure", { class: "graph-figure" }, el("div", { class: "graph-scroll" }, graphSvg(graph))),
    kit.section("dependency-edges", kit.fill(gettext("In words (%(count)s)"), { count: kit.number(graph.edges.length) }), edgeList(graph)),
  );
}
