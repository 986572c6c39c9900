/**
 * 12. XDR marshalling (servers/rpc/xdr.ts), the data layer of ONC RPC:
 * encode + decode round trips of a 1000-byte struct (ints, an enum, a
 * bool, strings, one with a non-ASCII character, a double, a variable array
 * of 27 structs, an optional string and a 32-byte opaque). Baseline: `JSON.stringify` + `JSON.parse` of the same
 * value, the opaque given to JSON as a base64 string made ahead of time (the
 * form a JSON API would send, and the cheapest for JSON). Round trips/s;
 * aim: ratio ≥ 1.0.
 */
import type { BenchContext, Benchmark } from './harness.ts';
import { decode, encode, xdr, type Value } from '../servers/rpc/xdr.ts';

const item = xdr.struct([
  ['sku', xdr.unsigned],
  ['name', xdr.string(32)],
  ['qty', xdr.int],
  ['price', xdr.double],
]);
/** The benchmark's type: an order with a variable array of items (an rpcgen `.x` would say the same). */
export const order = xdr.struct([
  ['id', xdr.unsigned],
  ['version', xdr.int],
  ['status', xdr.enum({ OPEN: 0, PAID: 1, SHIPPED: 2, CLOSED: 3 })],
  ['express', xdr.bool],
  ['customer', xdr.string(64)],
  ['address', xdr.string(128)],
  ['created', xdr.double],
  ['items', xdr.varArray(item, 100)],
  ['note', xdr.optional(xdr.string(256))],
  ['digest', xdr.opaque(32)],
]);
type Order = Value<typeof order>;

const NAMES = ['bolt M3x8', 'nut M3', 'washer 3 mm', 'spring 0.5 N', 'gear 24T', 'shaft 3 mm', 'bearing 623', 'belt GT2'];

/** Returns the benchmark's value: an order of 27 items; its XDR form is 1000 bytes. @example encode(order, sampleOrder()).length; // 1000 */
export function sampleOrder(): Order {
  return {
    id: 4_000_123,
    version: 3,
    status: 'PAID',
    express: true,
    customer: 'Ada Lovelace',
    address: '12 St James’s Square, London SW1Y 4JH, United Kingdom',
    created: 1_718_000_000_123.5,
    items: Array.from({ length: 27 }, (_, i) => ({ sku: 100_000 + i * 7, name: NAMES[i % NAMES.length]!, qty: 1 + (i % 5), price: 0.25 * (i + 1) })),
    note: 'leave at the door; ring twice',
    digest: Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 255),
  };
}

function check(got: { items: Order['items']; address: string; note: string | null }, want: Order): void {
  const last = want.items.length - 1;
  if (got.items.length !== want.items.length || got.address !== want.address || got.note !== want.note || got.items[last]!.name !== want.items[last]!.name) {
    throw new Error('xdr bench: the round trip changed the value');
  }
}

/**
 * Returns the benchmark (item 12): encode+decode round trips of `sampleOrder()`
 * against JSON.stringify+JSON.parse. Each run checks its last result.
 *
 * @example
 * const r = await runBenchmark(xdrBench({ quick: true }), { quick: true }); // r.ratio: ours / JSON
 */
export default function xdrBench({ quick }: BenchContext): Benchmark {
  const n = quick ? 5_000 : 40_000;
  const value = sampleOrder();
  const asJson = { ...value, digest: Buffer.from(value.digest).toString('base64') };
  const size = encode(order, value).length;
  const rate = (f: () => void): number => {
    const t0 = performance.now();
    f();
    return (n / (performance.now() - t0)) * 1000;
  };
  return {
    name: `xdr: XDR encode+decode of a ${size}-byte struct, round trips/s (higher is better)`,
    item: 12,
    unit: 'ops/s',
    aim: { min: 1.0 },
    run: async () =>
      rate(() => {
        let got: Order | undefined;
        for (let i = 0; i < n; i++) got = decode(order, encode(order, value));
        check(got!, value);
      }),
    baseline: {
      name: 'JSON.stringify + JSON.parse of the same value',
      run: async () =>
        rate(() => {
          let got: typeof asJson | undefined;
          for (let i = 0; i < n; i++) got = JSON.parse(JSON.stringify(asJson)) as typeof asJson;
          check(got!, value);
        }),
    },
  };
}
