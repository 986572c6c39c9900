import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, string> };

describe('the package entries', () => {
  it('every entry a user can import by name loads and exports something (xmach, xmach/trace, xmach/testing, the servers)', async () => {
    const entries = Object.keys(pkg.exports).filter((e) => e !== './package.json');
    expect(entries).toEqual(['.', './trace', './testing', './rpc', './alpc', './posix', './fs', './pipe', './shm', './net', './netmsg', './netname', './portmap']);
    for (const entry of entries) {
      const mod = (await import(entry === '.' ? 'xmach' : `xmach/${entry.slice(2)}`)) as Record<string, unknown>;
      expect(Object.keys(mod).length, entry).toBeGreaterThan(0);
    }
    expect(typeof ((await import('xmach/net')) as Record<string, unknown>).netServer).toBe('function');
    expect(typeof ((await import('xmach/netmsg')) as Record<string, unknown>).netMsgServer).toBe('function');
    expect(typeof ((await import('xmach/netname')) as Record<string, unknown>).nameServer).toBe('function');
    expect(typeof ((await import('xmach/portmap')) as Record<string, unknown>).portmapper).toBe('function');
  });
});
