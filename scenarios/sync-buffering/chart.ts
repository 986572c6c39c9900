/**
 * A small ASCII chart of a step function over virtual time (a queue length): one
 * column per slice of time, the slice's highest value drawn as a bar of '#'.
 */

/**
 * Draws `points` ([t, value after t], value 0 before the first point) from t=0 to
 * `until`, at most `maxWidth` columns wide and `maxHeight` rows high (a row stands
 * for several units when the values are higher than that).
 *
 * @example
 * chart([[0, 1], [2, 0]], 4) // ['1 |##', '0 +────', '   0 4 ms']
 */
export function chart(points: readonly [number, number][], until: number, maxWidth = 72, maxHeight = 12): string[] {
  const width = Math.max(1, Math.min(maxWidth, Math.ceil(until)));
  const slice = until / width;
  const cols: number[] = [];
  let i = 0;
  let value = 0;
  for (let c = 0; c < width; c++) {
    const end = (c + 1) * slice;
    while (i < points.length && points[i]![0] <= c * slice) value = points[i++]![1];
    let top = value;
    while (i < points.length && points[i]![0] < end) {
      value = points[i]![1];
      top = Math.max(top, value);
      i++;
    }
    cols.push(top);
  }
  const max = Math.max(1, ...cols);
  const step = Math.ceil(max / maxHeight);
  const rows = Math.ceil(max / step);
  const label = (n: number) => String(n).padStart(String(rows * step).length);
  const out: string[] = [];
  for (let r = rows; r >= 1; r--) out.push(`${label(r * step)} |${cols.map((v) => (v >= r * step ? '#' : ' ')).join('')}`.trimEnd());
  out.push(`${label(0)} +${'─'.repeat(width)}`);
  const pad = ' '.repeat(label(0).length + 2);
  const end = `${until} ms`;
  out.push(`${pad}0${end.padStart(Math.max(width - 1, end.length + 1))}`);
  return out;
}
