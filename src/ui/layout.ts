// The page shell of `cloudreduce ui`: one stylesheet, a header, and the tiny inline script that
// reloads a live page. HTML is built with hono's `html` tag, which escapes every interpolated
// value unless it is itself built with `html`.

import { html, raw } from 'hono/html';

export type Html = ReturnType<typeof html>;

export interface PageOptions {
  title: string;
  where: string;
  /** Reload every this many milliseconds (a live run); absent: a still page. */
  refreshMillis?: number;
  flash?: string;
}

export function page(options: PageOptions, body: Html): Html {
  const live = options.refreshMillis !== undefined;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · cloudreduce</title>
        <link rel="icon" href="data:," />
        <style>
          ${raw(STYLE)}
        </style>
      </head>
      <body data-live="${live ? 'yes' : 'no'}">
        <header>
          <a class="brand" href="/">cloudreduce</a>
          <span class="where">${options.where}</span>
          ${live ? html`<span class="live" title="this page reloads itself">● live</span>` : ''}
        </header>
        <main>${options.flash ? html`<p class="flash">${options.flash}</p>` : ''} ${body}</main>
        ${
          live
            ? html`<script>
                ${raw(liveScript(options.refreshMillis!))};
              </script>`
            : ''
        }
      </body>
    </html>`;
}

/** A link that keeps the current query parameters and changes some. */
export function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

/** "‹ prev · page 2 of 7 · next ›" for a list of `total` items shown `size` at a time. */
export function pager(
  path: string,
  query: Record<string, string | number | undefined>,
  pageIndex: number,
  size: number,
  total: number,
): Html {
  const pages = Math.max(1, Math.ceil(total / size));
  if (pages === 1) return html``;
  const link = (p: number, label: string) =>
    p >= 0 && p < pages
      ? html`<a href="${withQuery(path, { ...query, page: p + 1 })}">${label}</a>`
      : html`<span class="off">${label}</span>`;
  return html`<nav class="pager">
    ${link(pageIndex - 1, '‹ prev')} <span class="pos">page ${pageIndex + 1} of ${pages} (${total})</span>
    ${link(pageIndex + 1, 'next ›')}
  </nav>`;
}

export function statusBadge(status: string): Html {
  return html`<span class="badge s-${status.toLowerCase()}">${status}</span>`;
}

export function progressBar(done: number, total: number, failed = 0): Html {
  const pct = total ? Math.round((done / total) * 100) : 0;
  const bad = total ? Math.round((failed / total) * 100) : 0;
  return html`<span class="bar" title="${done} of ${total} done${failed ? `, ${failed} failed` : ''}"
      ><span class="fill" style="width:${pct}%"></span><span class="fail" style="width:${bad}%"></span></span
    ><span class="count">${done}/${total}</span>`;
}

export function duration(fromIso: string | undefined, toIso: string | undefined, now: number): string {
  if (!fromIso) return '';
  const ms = (toIso ? Date.parse(toIso) : now) - Date.parse(fromIso);
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function time(iso: string | undefined): string {
  return iso ? iso.replace('T', ' ').slice(0, 19) : '';
}

export function pageOf(query: string | undefined): number {
  const n = Number(query);
  return Number.isSafeInteger(n) && n >= 1 ? n - 1 : 0;
}

/**
 * A live page fetches itself again every \`ms\` and swaps in the new <main> (no navigation, so the
 * scroll position stays), until the page says it is no longer live. A form on its way (abort,
 * resume, a filter) stops the refreshing, so a reload never cuts it short.
 */
function liveScript(ms: number): string {
  return `
let submitting = false;
document.addEventListener('submit', (e) => { submitting ||= !e.defaultPrevented; });
async function refresh() {
  if (submitting) return;
  try {
    const res = await fetch(location.href, { headers: { accept: 'text/html' } });
    const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
    const main = doc.querySelector('main');
    if (submitting || !res.ok || !main) return;
    document.querySelector('main').replaceWith(main);
    if (doc.body.dataset.live !== 'yes') {
      document.body.dataset.live = 'no';
      document.querySelector('header .live')?.remove();
      return;
    }
  } catch {
    // the server is gone or restarting: try again later
  }
  setTimeout(refresh, ${ms});
}
setTimeout(refresh, ${ms});`;
}

const STYLE = `
:root { --fg:#1d2430; --muted:#6b7280; --line:#e3e6eb; --bg:#f7f8fa; --ok:#1f9d55; --run:#2b6cb0;
  --bad:#c53030; --warn:#b7791f; --slice:#805ad5; }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; gap:16px; align-items:baseline; padding:10px 24px; background:#1d2430; color:#fff; }
header a.brand { color:#fff; font-weight:700; text-decoration:none; font-size:16px; }
header .where { color:#cbd5e1; }
header .live { color:#68d391; margin-left:auto; font-size:12px; }
main { padding:16px 24px 48px; max-width:1400px; }
h1 { font-size:20px; margin:4px 0 12px; } h2 { font-size:16px; margin:24px 0 8px; }
a { color:var(--run); }
table { border-collapse:collapse; background:#fff; border:1px solid var(--line); width:100%; }
th, td { text-align:left; padding:5px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#f0f2f5; font-weight:600; font-size:12px; color:var(--muted); text-transform:uppercase; letter-spacing:.03em; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
.badge { display:inline-block; padding:0 7px; border-radius:9px; font-size:12px; font-weight:600; color:#fff; background:var(--muted); }
.s-done { background:var(--ok); } .s-running { background:var(--run); } .s-failed, .s-rejected { background:var(--bad); }
.s-aborted { background:var(--warn); } .s-pending { background:#a0aec0; }
.bar { display:inline-flex; width:140px; height:10px; background:#e2e8f0; border-radius:5px; overflow:hidden; vertical-align:middle; }
.bar .fill { background:var(--ok); } .bar .fail { background:var(--bad); }
.count { margin-left:6px; font-size:12px; color:var(--muted); font-variant-numeric: tabular-nums; }
.flash { background:#fefcbf; border:1px solid #f6e05e; padding:8px 12px; }
.error { background:#fff5f5; border:1px solid #feb2b2; padding:10px 14px; margin-bottom:14px; }
.error pre { white-space:pre-wrap; font-size:12px; margin:6px 0 0; color:#742a2a; }
.muted { color:var(--muted); }
.pager { margin:8px 0; display:flex; gap:12px; } .pager .off { color:#cbd5e0; }
form.filters { display:flex; gap:10px; align-items:center; margin:0 0 12px; }
form.inline { display:inline; }
.actions { margin:0 0 14px; }
button { font:inherit; padding:4px 12px; border-radius:4px; border:1px solid #a0aec0; background:#fff; cursor:pointer; }
button.danger { border-color:var(--bad); color:var(--bad); }
.chain { display:flex; flex-wrap:wrap; align-items:stretch; gap:0; margin:8px 0; }
.stage { background:#fff; border:1px solid var(--line); border-radius:6px; padding:10px 12px; min-width:230px; }
.stage.current { border-color:var(--run); box-shadow:0 0 0 2px #bee3f8; }
.stage h3 { margin:0 0 6px; font-size:14px; }
.stage .io { font-size:12px; color:var(--muted); margin:2px 0; }
.arrow { align-self:center; padding:0 8px; color:var(--muted); font-size:20px; }
dl.kv { display:grid; grid-template-columns:max-content 1fr; gap:2px 14px; margin:0; }
dl.kv dt { color:var(--muted); } dl.kv dd { margin:0; }
.grid2 { display:grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap:16px; }
.card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:10px 14px; }
.card h2 { margin-top:0; }
svg.timeline { background:#fff; border:1px solid var(--line); }
svg.timeline text { font: 11px system-ui, sans-serif; fill:#4a5568; }
.legend span { display:inline-block; margin-right:14px; font-size:12px; }
.legend i { display:inline-block; width:12px; height:10px; margin-right:4px; vertical-align:middle; }
nav.tabs { margin:0 0 12px; display:flex; gap:14px; }
`;
