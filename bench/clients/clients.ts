// The generated TypeScript client against bare fetch (call overhead), and reading a big export_all in
// JSON and in XML; compiled beside client.ts by bench/clients/run.py, which serves the answers.
// argv: mockUrl token jsonBase xmlBase batches calls bigRuns; prints one JSON object of medians (us per call, ms).
import { PromoClient } from "./client.js";

const [mockUrl, token, jsonBase, xmlBase] = process.argv.slice(2, 6);
const [batches, calls, bigRuns] = process.argv.slice(6, 9).map(Number);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function perCall(fn: () => Promise<unknown>, count: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    await fn();
  }
  return ((performance.now() - start) * 1000) / count;
}

async function overhead(format: "json" | "xml"): Promise<{ client: number; bare: number }> {
  const client = new PromoClient({ baseUrl: mockUrl, token, requestFormat: format, responseFormat: format });
  const media = format === "json" ? "application/json" : "application/xml";
  const body =
    format === "json"
      ? JSON.stringify({ token, code: "X13-0001", loyalty_id: 13 })
      : `<xml><token>${token}</token><code>X13-0001</code><loyalty_id>13</loyalty_id><format>xml</format></xml>`;
  const generated = () => client.get({ code: "X13-0001", loyalty_id: 13 });
  const bare = async () => {
    const answer = await fetch(`${mockUrl}/api/v1.1/promocodes/get`, {
      method: "POST",
      headers: { "Content-Type": media, Accept: media },
      body,
    });
    return answer.arrayBuffer();
  };
  await perCall(generated, 50); // warm both connections up
  await perCall(bare, 50);
  const ours: number[] = [];
  const base: number[] = [];
  for (let b = 0; b < batches; b++) {
    // interleaved batches, each side first in every other one: drift and order hit both sides alike
    if (b % 2 === 0) {
      ours.push(await perCall(generated, calls));
      base.push(await perCall(bare, calls));
    } else {
      base.push(await perCall(bare, calls));
      ours.push(await perCall(generated, calls));
    }
  }
  return { client: median(ours), bare: median(base) };
}

async function bigRead(format: "json" | "xml"): Promise<{ ms: number; items: number }> {
  const client = new PromoClient({ baseUrl: format === "json" ? jsonBase : xmlBase, token, responseFormat: format });
  const times: number[] = [];
  let items = 0;
  for (let r = 0; r < bigRuns; r++) {
    const start = performance.now();
    items = (await client.exportAll({ loyalty_id: 11 })).length;
    times.push(performance.now() - start);
  }
  return { ms: median(times), items };
}

console.log(
  JSON.stringify({
    overhead: { json: await overhead("json"), xml: await overhead("xml") },
    big: { json: await bigRead("json"), xml: await bigRead("xml") },
  }),
);
