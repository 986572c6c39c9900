/**
 * The synchronisation × buffering table as text: one row per cell (capacity ×
 * send × receive × who comes first), Mach ports measured in full, and the direct
 * model's cell beside it ("same" when every figure matches).
 */
import { type Cell, HORIZON, marks, MESSAGES, rendezvous } from './cells.ts';

/** ms a side was blocked, as text: `9 ms`, `9 ms + ∞` when its last call never returned, `∞` if that is all. */
export function blockedText(calls: Cell['sender']): string {
  const finite = calls.reduce((sum, c) => sum + (c.end === null ? 0 : c.end - c.start), 0);
  if (!calls.some((c) => c.end === null)) return `${finite} ms`;
  return finite === 0 ? '∞' : `${finite} ms + ∞`;
}

/** What happened to the messages: `rendezvous`, `1 handed, 2 buffered`, `3 buffered`, `none delivered`. */
export function resultText(c: Cell): string {
  if (rendezvous(c)) return 'rendezvous';
  if (c.delivered === 0) return 'none delivered';
  const parts: string[] = [];
  if (c.handed > 0) parts.push(`${c.handed} handed`);
  if (c.delivered > c.handed) parts.push(`${c.delivered - c.handed} buffered`);
  return parts.join(', ');
}

/** A cell in one line of figures, for comparing two models' cells. */
function figures(c: Cell): string {
  const calls = (xs: Cell['sender']) => xs.map((x) => `${x.start}-${x.end}:${x.code}`).join(',');
  return `${calls(c.sender)}|${calls(c.receiver)}|${c.delivered}|${c.handed}`;
}

/** Whether two cells (one per model) measured the same: every call's times and code, deliveries, hand-overs. */
export function sameCell(a: Cell, b: Cell): boolean {
  return figures(a) === figures(b);
}

const capText = (n: number) => (n === Infinity ? 'unbounded' : n === 0 ? '0' : `${n} (n)`);

/**
 * Renders the table. `cells` holds both models' cells (as `syncTable` returns them);
 * rows follow the Mach cells' order, each with its direct twin.
 */
export function renderSyncTable(cells: readonly Cell[]): string[] {
  const mach = cells.filter((c) => c.model === 'mach');
  const twin = (c: Cell) => cells.find((d) => d.model === 'direct' && d.capacity === c.capacity && d.send === c.send && d.receive === c.receive && d.first === c.first)!;
  const head = ['capacity', 'send', 'receive', 'first', 'S blocked', 'S got', 'R blocked', 'R got', 'messages', 'direct'];
  const rows: string[][] = [];
  let lastCap: number | null = null;
  for (const c of mach) {
    if (lastCap !== null && c.capacity !== lastCap) rows.push([]);
    const d = twin(c);
    rows.push([
      c.capacity === lastCap ? '' : capText(c.capacity), c.send, c.receive, c.first === 'sender' ? 'S' : 'R',
      blockedText(c.sender), marks(c.sender), blockedText(c.receiver), marks(c.receiver), resultText(c),
      sameCell(c, d) ? 'same' : `S ${blockedText(d.sender)} ${marks(d.sender)}, R ${blockedText(d.receiver)} ${marks(d.receiver)}, ${resultText(d)}`,
    ]);
    lastCap = c.capacity;
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map((r) => (r.length === 0 ? '' : line(r)))];
}

/** The legend printed above the table. */
export function legend(delay: number): string[] {
  return [
    `S makes ${MESSAGES} sends back to back, R makes ${MESSAGES} receives back to back, over one channel: a Mach port`,
    `(msg_send, with { policy: 'return' } when non-blocking; msg_receive, with { timeout: 0 }) and a direct link`,
    `(send / receive, with { block: false }), of capacity 0, 2 or unbounded. "first": who starts at t=0; the other`,
    `starts at t=${delay}. Both live on until t=${HORIZON}, so every code comes from the channel, not from an ended peer.`,
    `Marks: ✓ SUCCESS   ✗ MACH_SEND_TIMED_OUT (full: refused at once)   · MACH_RCV_TIMED_OUT (nothing there)`,
    `       ∞ still blocked at t=${HORIZON}, for good: the other side has made all its calls.`,
    `Messages: "handed": passed while the other side waited in its trap; "buffered": queued, taken later;`,
    `"rendezvous": all ${MESSAGES} handed. "direct": the direct link's cell, "same" when every call's times and code match.`,
  ];
}
