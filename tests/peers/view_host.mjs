// The host side of MCP Apps, for tests: headless Chromium (Playwright drives the Debian package)
// opens a page that plays the host — it puts a view in a sandboxed iframe under the
// specification's deny-by-default CSP, answers `ui/initialize` with a dark theme and safe-area
// insets, sends the tool input and a tool result a real connector returned, answers the view's
// `tools/call` with the next result — and reports what the view rendered as JSON on stdout.
//
// Usage: node view_host.mjs SCENARIO.json OUT_DIR
// The scenario: {html, input, result, next?: {result}, kind, screenshot}.
import { readFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [scenarioFile, outDir] = process.argv.slice(2);
const scenario = JSON.parse(readFileSync(scenarioFile, "utf8"));
mkdirSync(outDir, { recursive: true });

// The restrictive default a host must apply when a view declares no CSP.
const CSP = "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data:; media-src 'self' data:; connect-src 'none'; frame-src 'none'; object-src 'none'; base-uri 'self'";
const viewHtml = scenario.html.replace(/<head>/i, `<head><meta http-equiv="Content-Security-Policy" content="${CSP}">`);

// JSON inside the host's script element: `<` escaped so nothing in it can close the element.
const inline = (value) => JSON.stringify(value).replace(/</g, "\\u003c");
const hostPage = `<!doctype html><html><head><meta charset="utf-8"></head>
<body style="margin:0;background:#111">
<iframe id="view" sandbox="allow-scripts" style="border:0;width:900px;height:600px"></iframe>
<script>
  const scenario = ${inline({ input: scenario.input, result: scenario.result, next: scenario.next || null })};
  const frame = document.getElementById("view");
  window.hostLog = [];
  const toView = (m) => frame.contentWindow.postMessage(m, "*");
  window.addEventListener("message", (event) => {
    if (event.source !== frame.contentWindow) return;
    const m = event.data;
    window.hostLog.push(m);
    if (m.method === "ui/initialize") {
      toView({ jsonrpc: "2.0", id: m.id, result: {
        protocolVersion: "2026-01-26",
        hostInfo: { name: "mcpgen-test-host", version: "1" },
        hostCapabilities: { serverTools: {}, openLinks: {} },
        hostContext: { theme: "dark", locale: "en-US", timeZone: "UTC", displayMode: "inline",
          safeAreaInsets: { top: 4, right: 0, bottom: 0, left: 0 },
          styles: { variables: { "--color-background-primary": "rgb(20, 20, 30)" } } } } });
    } else if (m.method === "ui/notifications/initialized") {
      toView({ jsonrpc: "2.0", method: "ui/notifications/tool-input", params: { arguments: scenario.input } });
      toView({ jsonrpc: "2.0", method: "ui/notifications/tool-result", params: scenario.result });
    } else if (m.method === "tools/call") {
      window.toolCalls = (window.toolCalls || []).concat([m.params]);
      if (scenario.next) toView({ jsonrpc: "2.0", id: m.id, result: scenario.next.result });
      else toView({ jsonrpc: "2.0", id: m.id, error: { code: -32000, message: "no next page here" } });
    } else if (m.id !== undefined && m.method) {
      toView({ jsonrpc: "2.0", id: m.id, result: {} });
    }
  });
  frame.srcdoc = ${inline(viewHtml)};
</script></body></html>`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const report = { errors: [] };
let page;
try {
  page = await browser.newPage({ viewport: { width: 920, height: 640 } });
  report.console = [];
  page.on("console", (m) => report.console.push(`${m.type()}: ${m.text()}`));
  page.on("console", (m) => { if (m.type() === "error") report.errors.push(m.text()); });
  page.on("pageerror", (e) => report.errors.push(String(e)));
  await page.setContent(hostPage);
  const view = page.frameLocator("#view");
  const cells = async (key) => view.locator(`tbody td[data-key="${key}"]`).allInnerTexts();

  if (scenario.kind === "table") {
    await view.locator("tbody tr").first().waitFor();
    report.rows = await view.locator("tbody tr").count();
    report.headers = await view.locator("thead th").allInnerTexts();
    report.ids = await cells("id");
    report.totals = await cells("total");
    await view.locator('thead th[data-key="total"] button').click();
    report.idsByTotal = await cells("id");
    await view.locator('thead th[data-key="total"] button').click();
    report.idsByTotalDesc = await cells("id");
    await view.locator('input[type="search"]').fill(scenario.filter);
    report.filteredRows = await view.locator("tbody tr").count();
    report.count = await view.locator(".count").innerText();
    await view.locator('input[type="search"]').fill("");
    report.background = await view.locator("body").evaluate((b) => getComputedStyle(b).backgroundColor);
    report.paddingTop = await view.locator("#root").evaluate((r) => getComputedStyle(r).paddingTop);
    await page.screenshot({ path: join(outDir, scenario.screenshot) });
    if (scenario.next) {
      await view.getByRole("button", { name: "Next page" }).click();
      await view.locator(`tbody td[data-key="id"]`).filter({ hasText: scenario.next.expect }).waitFor();
      report.idsAfterNext = await cells("id");
      report.toolCalls = await page.evaluate(() => window.toolCalls || []);
    }
  } else if (scenario.kind === "card") {
    await view.locator("dl").waitFor();
    report.fields = await view.locator("dt").allInnerTexts();
    report.values = await view.locator("dd").allInnerTexts();
    await page.screenshot({ path: join(outDir, scenario.screenshot) });
  } else if (scenario.kind === "chart") {
    await view.locator("svg .mark").first().waitFor();
    report.points = await view.locator("svg .mark").evaluateAll((marks) =>
      marks.map((m) => ({ x: m.getAttribute("data-x"), y: Number(m.getAttribute("data-y")), height: Number(m.getAttribute("height")) })));
    await page.screenshot({ path: join(outDir, scenario.screenshot) });
  }
  report.protocol = (await page.evaluate(() => window.hostLog)).map((m) => m.method || "response");
} catch (e) {
  // Say what the view did before it failed: the test prints it.
  report.failure = String(e);
  report.drawn = await page.frameLocator("#view").locator("#root").innerText().catch(() => "");
  report.toolCalls = await page.evaluate(() => window.toolCalls || []).catch(() => []);
  process.exitCode = 1;
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report));
