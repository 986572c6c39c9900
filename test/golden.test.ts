import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GOLDEN_WORLDS } from './worlds/golden.ts';

/**
 * Traces kept from before a refactor: the same seed must give the same trace.
 * Each kept record must come back with the same fields and values; a record may
 * gain new fields (structured fields added later), never lose or change one.
 */
describe('golden traces', () => {
  for (const [name, world] of Object.entries(GOLDEN_WORLDS)) {
    it(`${name}: the same seed gives the same trace as the kept one`, async () => {
      const kept = readFileSync(new URL(`./golden/${name}.jsonl`, import.meta.url), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const now = await world();
      expect(now.length).toBe(kept.length);
      const projected = now.map((r, i) => Object.fromEntries(Object.keys(kept[i]).map((key) => [key, (r as unknown as Record<string, unknown>)[key]])));
      const firstDiff = projected.findIndex((r, i) => JSON.stringify(r) !== JSON.stringify(kept[i]));
      expect(firstDiff === -1 ? null : { at: firstDiff, now: projected[firstDiff], kept: kept[firstDiff] }).toBeNull();
    });
  }
});
