/**
 * The homework scripts' seeded generator: the same algorithm as the kernel's
 * (sfc32 seeded through splitmix32), so a seed means the same here on every
 * machine. OSTEP's scripts use Python's generator: the same seed does not
 * draw the same workload there.
 */

/**
 * A function returning floats in [0, 1), fixed by the seed.
 *
 * @example
 * const next = seeded(3);
 * next(); // the same number on every run with seed 3
 */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  const mix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = mix();
  let b = mix();
  let c = mix();
  let d = mix();
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}
