import { describe, expect, it } from 'vitest';
import { boot, MACH_RCV_TIMED_OUT, simulate } from '../index.ts';

describe('a run always ends with a report', () => {
  it('a program that awaits a promise the kernel does not know about is reported stuck, by name', async () => {
    const k = boot({ seed: 1 });
    k.spawn('waiter', async (sys) => {
      await sys.msg_rpc(sys.kernelPort, { id: 3400, body: {} });
      await new Promise(() => {}); // never settles, and xmach cannot see it
    });
    k.spawn('other', async (sys) => sys.sleep(5));
    const t0 = performance.now();
    const report = await k.run({ outsideGrace: 50 });
    expect(report.status).toBe('stuck');
    expect(report.culprit).toMatchObject({ pid: 1, name: 'waiter' });
    expect(report.culprit!.why).toContain('awaits something outside xmach');
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(k.trace.records.at(-1)).toMatchObject({ kind: 'stuck', task: 'waiter' });
  });

  it('a program may await something outside that settles within the grace', async () => {
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('reader', async (sys) => {
        const text = await new Promise<string>((resolve) => setTimeout(() => resolve('from outside'), 20));
        sys.log(text);
        await sys.sleep(5);
        sys.log(`t=${sys.now()}`);
      });
    });
    expect(sim.report.status).toBe('done');
    expect(sim.logs('reader')).toEqual(['from outside', 't=5']);
  });

  it('a busy loop of polls is a livelock: the run ends with a report naming the task, even with until', async () => {
    const k = boot({ seed: 1 });
    k.spawn('poller', async (sys) => {
      const { name } = await sys.port_allocate();
      await sys.netname_check_in('inbox', name!); // others could send: these are real polls
      for (;;) await sys.msg_receive(name!, { timeout: 0 }); // never sleeps, nothing ever comes
    });
    k.spawn('bystander', async (sys) => sys.sleep(10));
    const report = await k.run({ until: 1000, spinLimit: 5000 });
    expect(report.status).toBe('livelock');
    expect(report.time).toBe(0);
    expect(report.culprit).toMatchObject({ pid: 1, name: 'poller' });
    expect(report.culprit!.why).toContain('5000 traps in a row at t=0');
    expect(report.counters.timeouts).toBe(5000);
  });

  it('polling with a sleep between polls is no livelock', async () => {
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('poller', async (sys) => {
        const { name } = await sys.port_allocate();
        let polls = 0;
        while ((await sys.msg_receive(name!, { timeout: 0 })).code === MACH_RCV_TIMED_OUT && polls < 20_000) {
          polls++;
          if (polls % 1000 === 0) await sys.sleep(1);
        }
        return polls;
      });
    }, { spinLimit: 5000 });
    expect(sim.report.status).toBe('done');
    expect(sim.exit('poller')).toEqual({ code: 20_000, reason: 'exit' });
  });

  it('a second call while the first is pending ends the task with the documented error, even alone', async () => {
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('forgetful', async (sys) => {
        const { name } = await sys.port_allocate();
        void sys.msg_receive(name!); // the await is missing
        await sys.msg_send(name!, { body: 1 });
      });
    });
    expect(sim.report.status).toBe('done');
    expect(sim.exit('forgetful')).toEqual({
      code: 1,
      reason: 'error',
      error: 'task 1 (forgetful) called msg_send while its previous call was still pending (msg_receive): a task makes one system call at a time (await each one; use threads for more)',
    });
  });
});

describe('inputs that once froze or misled a run', () => {
  it('a bad seed is an error, not a silent 0', () => {
    for (const seed of [1.5, -1, 2 ** 32, Number.NaN]) expect(() => boot({ seed })).toThrow(/seed must be an integer from 0 to 4294967295/);
    expect(() => boot({ seed: 0 })).not.toThrow();
  });

  it('a timeout of 2^53 ms or more waits forever instead of freezing the clock', async () => {
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('patient', async (sys) => {
        const { name } = await sys.port_allocate('receive', 'inbox');
        await sys.msg_receive(name!, { timeout: 2 ** 60 });
        for (let i = 0; i < 2; i++) {
          await sys.sleep(1);
          sys.log(`t=${sys.now()}`);
        }
      });
      k.spawn('ticker', async (sys) => {
        await sys.sleep(7);
        sys.log(`t=${sys.now()}`);
      });
    });
    expect(sim.report.status).toBe('deadlock');
    expect(sim.report.time).toBe(7);
    expect(sim.report.deadlock).toEqual([{ pid: 1, name: 'patient', waitsOn: 'receive on port 8 (inbox)' }]);
    expect(sim.logs()).toEqual(['ticker: t=7']);
  });

  it('the report counts the messages still queued', async () => {
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('hoarder', async (sys) => {
        const { name } = await sys.port_allocate();
        for (let i = 0; i < 3; i++) await sys.msg_send(name!, { body: i });
        await sys.msg_receive(name!);
        await sys.msg_receive(sys.notifyPort); // keeps its port (and what is queued there) alive
      }, { daemon: true });
      k.spawn('main', async (sys) => sys.sleep(1));
    });
    expect(sim.report.queued).toBe(2);
  });
});

describe('memory that stays bounded', () => {
  const pingPong = (k: ReturnType<typeof boot>, n: number) => {
    k.spawn('server', async (sys) => {
      const { name } = await sys.port_allocate('receive', 'srv');
      await sys.netname_check_in('srv', name!);
      for (;;) {
        const r = await sys.msg_receive(name!);
        if (!r.ok) return 1;
        await sys.msg_send(r.msg.reply, { id: 2, body: r.msg.body });
      }
    }, { daemon: true });
    k.spawn('client', async (sys) => {
      const { port } = await sys.netname_look_up('srv', { wait: true });
      for (let i = 0; i < n; i++) await sys.msg_rpc(port!, { id: 1, body: i });
    });
  };

  it('the trace keeps the latest records (a ring), counters stay exact, and the report says what was dropped', async () => {
    const k = boot({ seed: 1, trace: { limit: 1000 } });
    pingPong(k, 5000);
    const report = await k.run();
    expect(report.counters.messagesSent).toBe(10_006);
    expect(k.trace.records).toHaveLength(1000);
    expect(report.records.dropped).toBe(report.records.made - 1000);
    const seqs = k.trace.records.map((r) => r.seq);
    expect(seqs[0]).toBe(report.records.made - 1000);
    expect(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1)).toBe(true);
    expect(k.trace.records.filter((r) => r.kind === 'exit').map((r) => r.task)).toEqual(['client']);
  });

  it('the default ring holds 200,000 records, so a long run does not grow without bound', async () => {
    const k = boot({ seed: 1 });
    pingPong(k, 30_000);
    const report = await k.run();
    expect(report.records.made).toBeGreaterThan(200_000);
    expect(k.trace.records).toHaveLength(200_000);
    expect(report.records.dropped).toBe(report.records.made - 200_000);
  });

  it('trace.file streams every record as JSON lines, dropped or not', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const file = `${mkdtempSync(`${tmpdir()}/xmach-`)}/run.jsonl`;
    const k = boot({ seed: 1, trace: { limit: 10, file } });
    pingPong(k, 50);
    const report = await k.run();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(report.records.made);
    expect(JSON.parse(lines[0]!)).toMatchObject({ seq: 0, kind: 'spawn', task: 'server' });
    expect(JSON.parse(lines.at(-1)!)).toEqual(k.trace.records.at(-1));
  });
});

describe('outputs that say what they mean', () => {
  it('a received message says whether it is a kernel notification, and which', async () => {
    const seen: unknown[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      const box = k.port('box');
      k.spawn('owner', async (sys) => { await sys.sleep(5); }, { ports: { box: { port: box, right: 'receive' } } });
      k.spawn('watcher', async (sys) => {
        await sys.port_request_notification(sys.ports.box!, 'dead-name');
        const n = await sys.msg_receive(sys.notifyPort);
        seen.push(n.ok && n.msg.notification);
        const { name } = await sys.port_allocate();
        await sys.msg_send(name!, { body: 'plain' });
        const m = await sys.msg_receive(name!);
        seen.push(m.ok && m.msg.notification);
      }, { ports: { box } });
    });
    expect(seen).toEqual(['dead-name', null]);
  });

  it('counters keep user messages apart from system-call traffic', async () => {
    const sim = await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('a', async (sys) => {
        const { name } = await sys.port_allocate(); // a request and its reply
        await sys.msg_send(name!, { body: 1 }); // a user message
        await sys.msg_receive(name!);
      });
    });
    expect(sim.report.counters).toMatchObject({ messagesSent: 3, userMessages: 1, syscallMessages: 2, notifications: 0 });
  });

  it('lastError says why a stub failed, and a successful call clears it', async () => {
    const said: string[] = [];
    await simulate(boot({ seed: 1 }), (k) => {
      k.spawn('t', async (sys) => {
        await sys.port_deallocate(99);
        said.push(sys.lastError());
        await sys.port_allocate();
        said.push(sys.lastError());
        await sys.msg_send(42, { body: 1 });
        said.push(sys.lastError());
        await sys.sleep(1);
        said.push(sys.lastError());
      });
    });
    expect(said).toEqual(['port_deallocate: KERN_INVALID_NAME', '', 'name 42 is not a send right', '']);
  });

  it('a long run draws a progress line on stderr', async () => {
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      const k = boot({ seed: 1 });
      k.spawn('slow', async (sys) => {
        await sys.sleep(3);
        await new Promise((resolve) => setTimeout(resolve, 250)); // wall-clock time passes outside
      });
      await k.run({ progress: 50 });
    } finally {
      process.stderr.write = write;
    }
    expect(lines.some((l) => l.includes('xmach: t=3 ms, 2 messages, 1 tasks alive'))).toBe(true);
  });
});
