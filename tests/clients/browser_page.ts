// Bundled with one API version's client.ts for tests/clients/test_browser.py and run in headless Chromium,
// on a page served from the same origin as a fresh mock (no CORS). It makes a few calls in JSON and XML,
// one against an answer with a DOCTYPE, and writes what each got into the page as "RESULT <json>".
import { ApiError, PromoClient, PromoClientError } from "./client";

async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: await call() };
  } catch (err) {
    if (err instanceof ApiError) {
      return { refused: { class: err.name, error: err.error, text: err.errorText } };
    }
    if (err instanceof PromoClientError) {
      return { failed: { class: err.name, message: err.message } };
    }
    return { crashed: String(err) };
  }
}

async function main(): Promise<void> {
  const token = new URLSearchParams(location.search).get("token") ?? "";
  const results: { [name: string]: unknown } = {};
  for (const format of ["json", "xml"] as const) {
    const client = new PromoClient({ baseUrl: location.origin, token, requestFormat: format, responseFormat: format });
    results[`${format} get`] = await outcome(() => client.get({ code: "X13-0001", loyalty_id: 13 }));
    results[`${format} exportAll`] = await outcome(() => client.exportAll({ loyalty_id: 13 }));
    results[`${format} activate`] = await outcome(() => client.activate({ code: "P11-0004", loyalty_id: 11 }));
  }
  const hostile = new PromoClient({ baseUrl: `${location.origin}/hostile`, token, responseFormat: "xml" });
  results["hostile get"] = await outcome(() => hostile.get({ code: "X13-0001", loyalty_id: 13 }));
  document.body.textContent = "RESULT " + JSON.stringify(results);
}

main().catch((err: unknown) => {
  document.body.textContent = "CRASHED " + String(err);
});
