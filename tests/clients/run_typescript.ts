// Make the shared table's calls with the generated TypeScript client; print what each call got, as JSON.
// Compiled beside one API version's client.ts by tests/clients/test_shared_calls.py; reads the same plan
// as run_python.py from stdin (TypeScript method names, `profile`/`options` as plain objects) and prints
// {"runs": [[outcome, ...], ...]}: {"ok": value}, {"refused": {class, error, text}} or {"failed": {class, message}}.
import { readFileSync } from "node:fs";
import { ApiError, PromoClient, PromoClientError } from "./client.js";

interface Call {
  method: string;
  args: { [name: string]: unknown };
  client?: { token?: string; token_in?: string };
}

interface Plan {
  token: string;
  runs: { url: string; request_format: string; response_format: string; calls?: Call[] }[];
  calls: Call[];
}

type Options = ConstructorParameters<typeof PromoClient>[0];

async function call(client: PromoClient, one: Call): Promise<unknown> {
  const method: unknown = Reflect.get(client, one.method);
  if (typeof method !== "function") {
    throw new Error(`the client has no method ${one.method}`);
  }
  try {
    return { ok: (await method.call(client, one.args)) as unknown };
  } catch (err) {
    if (err instanceof ApiError) {
      return { refused: { class: err.name, error: err.error, text: err.errorText } };
    }
    if (err instanceof PromoClientError) {
      return { failed: { class: err.name, message: err.message } };
    }
    throw err;
  }
}

// fetch as browsers have it: called with any receiver but the global object, it throws "Illegal invocation"
// (Node's does not care, so a client calling it as its own method would pass here and fail in every browser).
const nodeFetch = globalThis.fetch;
globalThis.fetch = function (this: unknown, input: string | URL | Request, init?: RequestInit): Promise<Response> {
  if (this !== undefined && this !== globalThis) {
    throw new TypeError("Failed to execute 'fetch' on 'Window': Illegal invocation");
  }
  return nodeFetch(input, init);
};

const plan = JSON.parse(readFileSync(0, "utf-8")) as Plan;
const runs: unknown[][] = [];
for (const run of plan.runs) {
  const base = { baseUrl: run.url, requestFormat: run.request_format, responseFormat: run.response_format };
  const client = new PromoClient({ ...base, token: plan.token } as Options);
  const outcomes: unknown[] = [];
  for (const one of run.calls ?? plan.calls) {
    const own = one.client ?? {};
    const options = { ...base, token: own.token ?? plan.token, ...(own.token_in ? { tokenIn: own.token_in } : {}) };
    outcomes.push(await call(Object.keys(own).length ? new PromoClient(options as Options) : client, one));
  }
  runs.push(outcomes);
}
console.log(JSON.stringify({ runs }));
