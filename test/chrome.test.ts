import { beforeAll, describe, expect, it } from 'vitest';
import { audit, boot, codeName } from '../index.ts';
import { compareRuns, runChrome, runSingleProcess, SECRET, type ChromeRun } from '../scenarios/chrome.ts';

let multi: ChromeRun;
let single: ChromeRun;
beforeAll(async () => {
  multi = await runChrome(1);
  single = await runSingleProcess(1);
});

const tried = (run: ChromeRun) => run.journal.attempts.map((a) => `${a.how} [${a.target}]: ${codeName(a.code)}`);

describe('Chrome, multi-process: capabilities for the sandbox', () => {
  it('each renderer and plug-in holds a send right to the browser and nothing else (besides its own ports)', () => {
    const spaces = multi.journal.spaces;
    expect(Object.keys(spaces).sort()).toEqual(['plugin-pdf', 'plugin-video', 'renderer-crash', 'renderer-evil', 'renderer-mail', 'renderer-news']);
    for (const [who, space] of Object.entries(spaces)) {
      expect(space).toEqual([`2 ${who}.notify (receive)`, `3 ${who}.reply (receive)`, '5 browser (send)', `6 ${who} (receive)`]);
    }
  });

  it("the kernel's view, while the exploit runs: each sandboxed space holds exactly those four rights", async () => {
    const seen: Record<string, string[]> = {};
    await runChrome(1, (options) => {
      const k = boot({ console: false, ...options, seed: 1 });
      k.trace.records$.subscribe((r) => {
        if (r.kind !== 'log' || r.task !== 'renderer-evil' || !r.detail!.startsWith('exploit: the page')) return;
        for (const t of k.tasks.values()) {
          if (!/^(renderer|plugin)-/.test(t.name)) continue;
          seen[t.name] = Array.from(t.space.entries.values(), (e) => {
            const rights = [e.receive && 'receive', e.sendRefs > 0 && 'send', e.sendOnce && 'send-once', e.deadRefs > 0 && 'dead-name'].filter(Boolean);
            return `${e.name} ${rights.join('+')} ${e.port?.label ?? ''}`;
          });
        }
      });
      return k;
    });
    expect(Object.keys(seen)).toHaveLength(6);
    for (const [who, space] of Object.entries(seen)) expect(space).toEqual([`2 receive ${who}.notify`, `3 receive ${who}.reply`, '5 send browser', `6 receive ${who}`]);
  });

  it('the compromised renderer is refused everywhere: MACH_SEND_INVALID_DEST from the kernel, KERN_NO_ACCESS from the browser', () => {
    const names = [1, 4, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
    const target = (n: number) => (n === 7 ? 'network service' : [12, 13, 14, 15, 16, 18, 20].includes(n) ? 'another renderer' : 'nothing');
    const pidTarget = (p: number) => (p === 1 ? 'file service' : p === 2 ? 'network service' : p === 3 ? 'the browser' : p >= 6 ? 'another renderer' : 'nothing');
    expect(tried(multi)).toEqual([
      ...names.map((n) => `msg_send to name ${n} [${target(n)}]: MACH_SEND_INVALID_DEST`),
      'netname_look_up("files") [file service]: MACH_SEND_INVALID_DEST',
      'netname_look_up("network") [network service]: MACH_SEND_INVALID_DEST',
      ...[1, 2, 3, 4, 5, 6, 7, 9].map((p) => `send(${p}, …): a direct link by pid [${pidTarget(p)}]: MACH_SEND_INVALID_DEST`),
      `asks the browser to open ${SECRET} [file service]: KERN_NO_ACCESS`,
      'asks the browser for https://mail.example/ [another site]: KERN_NO_ACCESS',
    ]);
    // Name 6 is the file service in the browser's space, and the renderer's own port in its own.
    expect(multi.journal.browserNames[6]).toBe('files');
    expect(multi.journal.spaces['renderer-evil']).toContain('6 renderer-evil (receive)');
  });

  it('the trace shows each refused send, and no renderer ever reached a service', () => {
    const records = multi.kernel.trace.records;
    const refused = records.filter((r) => r.task === 'renderer-evil' && r.kind === 'return' && r.codeName === 'MACH_SEND_INVALID_DEST');
    expect(refused).toHaveLength(26); // 16 names, 2 look-ups (name 4: the bootstrap port it gave up), 8 links (name 1: its kernel port)
    expect(refused.filter((r) => r.detail === 'name 7 is not a send right')).toHaveLength(1);
    expect(refused.filter((r) => r.detail === 'name 4 is not a send right')).toHaveLength(3);
    expect(refused.filter((r) => r.detail === 'name 1 is not a send right')).toHaveLength(9);
    const served = new Set(records.filter((r) => r.kind === 'receive' && (r.task === 'files' || r.task === 'network')).map((r) => r.peerTask));
    expect([...served]).toEqual(['browser']);
    expect(records.some((r) => r.kind === 'receive' && r.task === 'files')).toBe(false); // not even the browser asked for a file
    expect(records.filter((r) => r.kind === 'log' && r.task === 'browser' && r.detail!.startsWith('refused')).map((r) => r.detail)).toEqual([
      'refused: renderer-evil asked to open a file',
      'refused: renderer-evil asked for https://mail.example/',
    ]);
  });
});

describe('Chrome, multi-process: processes for isolation', () => {
  it('a crashed renderer loses only its tab; the browser hears of it by dead-name and the other tabs keep painting', () => {
    expect(multi.report.status).toBe('done');
    expect(multi.journal.tabs).toEqual([
      { site: 'news.example', frames: 3, state: 'open' },
      { site: 'mail.example', frames: 3, state: 'open' },
      { site: 'evil.example', frames: 3, state: 'open' },
      { site: 'crash.example', frames: 1, state: 'crashed', why: 'segmentation fault in layout (crash.example, frame 2)' },
    ]);
    const exits = Object.fromEntries(multi.report.tasks.map((t) => [t.name, t.exit?.reason ?? 'running']));
    expect(exits).toEqual({
      files: 'running',
      network: 'running',
      browser: 'exit',
      'plugin-video': 'exit',
      'plugin-pdf': 'exit',
      'renderer-news': 'exit',
      'renderer-mail': 'exit',
      'renderer-evil': 'exit',
      'renderer-crash': 'error',
    });
    const records = multi.kernel.trace.records;
    const crash = records.find((r) => r.kind === 'exit' && r.task === 'renderer-crash')!;
    const heard = records.find((r) => r.kind === 'notify' && r.op === 'dead-name' && r.peerTask === 'browser')!;
    expect(heard.t).toBe(crash.t);
    expect(records.filter((r) => r.kind === 'receive' && r.task === 'browser' && r.msgId === 2004 && r.t > crash.t)).toHaveLength(6);
    expect(audit(multi.kernel).problems).toEqual([]);
  });
});

describe('the same workload as a single-process browser', () => {
  it('the evil page reaches everything, and the crash loses every tab', () => {
    expect(single.journal.tabs).toEqual([
      { site: 'news.example', frames: 2, state: 'lost' },
      { site: 'mail.example', frames: 2, state: 'lost' },
      { site: 'evil.example', frames: 2, state: 'lost' },
      { site: 'crash.example', frames: 1, state: 'lost' },
    ]);
    expect(single.report.tasks.find((t) => t.name === 'browser')!.exit).toEqual({
      code: 1,
      reason: 'error',
      error: 'segmentation fault in layout (crash.example, frame 2)',
    });
    expect(tried(single)).toEqual([
      `reads ${SECRET} through the browser's right [file service]: SUCCESS`,
      'sends the key to evil.example [network service]: SUCCESS',
      'fetches https://mail.example/ [another site]: SUCCESS',
      "reads mail.example's page in memory [another renderer]: SUCCESS",
    ]);
    expect(single.journal.attempts[0]!.got).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
  });

  it('side by side: tabs alive, frames, who could reach what', () => {
    expect(compareRuns(multi, single)).toEqual([
      '                                    multi-process (Chrome)                          single process',
      '  processes (besides the services)  browser, 4 renderers, 2 plug-ins                browser',
      '  tabs alive at the end             3 of 4: news, mail, evil                        0 of 4',
      '  frames painted                    news 3, mail 3, evil 3, crash 1                 news 2, mail 2, evil 2, crash 1',
      `  crash.example's crash ends        its renderer: "Aw, Snap!" in its tab            the whole browser: every tab`,
      '  evil page → the file service      no: MACH_SEND_INVALID_DEST ×2, KERN_NO_ACCESS   yes: -----BEGIN OPENSSH PRIV…',
      '  evil page → the network service   no: MACH_SEND_INVALID_DEST ×3                   yes: the key, sent out',
      '  evil page → another renderer      no: MACH_SEND_INVALID_DEST ×10                  yes: <h1>mail.example</h1>',
      '  evil page → another site          no: KERN_NO_ACCESS                              yes: <h1>mail.example</h1>',
    ]);
  });

  it('same seed, same runs; other seeds change the timings, not the verdicts', async () => {
    const again = await runChrome(1);
    expect(again.kernel.trace.records.map((r) => `${r.t} ${r.kind} ${r.task}`)).toEqual(multi.kernel.trace.records.map((r) => `${r.t} ${r.kind} ${r.task}`));
    for (const seed of [2, 3]) {
      const [m, s] = [await runChrome(seed), await runSingleProcess(seed)];
      expect(compareRuns(m, s)).toEqual(compareRuns(multi, single));
      expect(m.kernel.trace.records.at(-1)!.t === multi.kernel.trace.records.at(-1)!.t && s.report.time === single.report.time).toBe(false);
    }
  });
});
