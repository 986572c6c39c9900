import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const tsx = (script: string, ...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', `scenarios/${script}.ts`, ...args], { cwd: new URL('..', import.meta.url).pathname });

describe('scenarios run as a user runs them', () => {
  it('the tour shows the four policies and the RPC, and the same seed gives the same output', async () => {
    const { stdout } = await tsx('tour', '--seed', '3');
    for (const code of ['SUCCESS', 'MACH_SEND_TIMED_OUT', 'MACH_SEND_WILL_NOTIFY', 'MACH_SEND_NOTIFY_IN_PROGRESS']) expect(stdout).toContain(code);
    expect(stdout).toMatch(/printer says \d+ jobs printed/);
    expect(stdout).toContain('sequenceDiagram');
    const again = await tsx('tour', '--seed', '3');
    expect(again.stdout).toBe(stdout);
    const other = await tsx('tour', '--seed', '4');
    expect(other.stdout).not.toBe(stdout);
  });

  it('process-states compares the three policies on one workload', async () => {
    const { stdout } = await tsx('process-states', '--only', 'summary');
    expect(stdout.match(/average turnaround/g)).toHaveLength(3);
    expect(stdout).toContain('Preemptive priority');
  });

  it('fork-wait shows a zombie, an orphan given to init, and a cascade', async () => {
    const { stdout } = await tsx('fork-wait', '--only', 'summary');
    expect(stdout).toMatch(/\d+ date \(zombie\)/);
    expect(stdout).toMatch(/1 init \(waiting\)\n\s+└─ \d+ orphan/);
    expect(stdout).toMatch(/worker-a\.helper killed/);
  });

  it('threads share memory, processes copy it', async () => {
    const { stdout } = await tsx('threads', '--only', 'summary');
    expect(stdout).toContain('counter = 30');
    expect(stdout).toContain('counter = 0 in the parent');
  });

  it('crash: a server dies, clients see MIG_SERVER_DIED, a watchdog restarts it, retries succeed', async () => {
    const { stdout } = await tsx('crash', '--only', 'summary');
    expect(stdout).toContain('MIG_SERVER_DIED');
    expect(stdout).toContain('dead-name');
    expect(stdout).toMatch(/retry \/src\/main.c: contents of \/src\/main.c/);
    expect(stdout).toContain("the kernel's books balance: yes");
  });

  it('--help says in two lines what a scenario shows; --trace-file and --html write the run', async () => {
    const help = await tsx('crash', '--help');
    expect(help.stdout.split('\n').slice(0, 3)).toEqual([
      'A file server crashes: its port dies, queued requests are destroyed, clients see',
      'MIG_SERVER_DIED, a watchdog hears dead-name and restarts it, and the retries succeed.',
      'options: --seed N   --trace   --only mermaid|table|summary   --trace-file FILE   --html FILE   --help',
    ]);
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/xmach-scenario-`);
    const run = await tsx('fork-wait', '--only', 'summary', '--trace-file', `${dir}/run.jsonl`, '--html', `${dir}/run.html`);
    expect(run.stderr).toContain(`wrote ${dir}/run.html`);
    expect(run.stderr).toContain(`wrote ${dir}/run-2.html`); // fork-wait boots two kernels
    const lines = readFileSync(`${dir}/run.jsonl`, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ seq: 0, t: 0, kind: 'spawn' });
    expect(readFileSync(`${dir}/run.html`, 'utf8')).toMatch(/^<!doctype html>/i);
  });

  it('android-lmk: the same seed, the same kills, each with why', async () => {
    const { stdout } = await tsx('android-lmk', '--only', 'table');
    expect(stdout.trim().split('\n')).toEqual([
      'kills:',
      '  t=70 s  browser: low memory: 110 MB free < 200 MB for background; browser (background, 320 MB) is the least important',
      '  t=130 s  maps: low memory: 30 MB free < 200 MB for background; maps (background, 360 MB) is the least important',
      '  t=160 s  camera: low memory: 130 MB free < 200 MB for background; camera (background, 340 MB) is the least important',
    ]);
  });

  it('sockets: datagrams cross the wire after the link latency, TCP shows its handshake and resends what a lossy link loses, the same way each seed', async () => {
    const { stdout } = await tsx('sockets');
    expect(stdout).toContain('t=11 161.25.19.8:80 got "GET /1" from 146.86.5.20:1625');
    expect(stdout).toMatch(/^8 +15 +146\.86\.5\.20 +161\.25\.19\.8 +6 +delivered +25$/m);
    expect(stdout).toMatch(/ lost /);
    // TCP: the handshake as rows, the page read to EOF, and on the lossy link retransmissions.
    expect(stdout).toMatch(/^1 +1 +146\.86\.5\.20:1625 +161\.25\.19\.8:80 +SYN +21000 +0 +0 +delivered +11$/m);
    expect(stdout).toMatch(/^2 +11 +161\.25\.19\.8:80 +146\.86\.5\.20:1625 +SYN,ACK +9000 +21001 +0 +delivered +21$/m);
    expect(stdout).toMatch(/^3 +21 +146\.86\.5\.20:1625 +161\.25\.19\.8:80 +ACK +21001 +9001 +0 +delivered +31$/m);
    expect(stdout.match(/read 1987 bytes, then EOF/g)).toHaveLength(2);
    expect(stdout).toMatch(/PSH,ACK .* ← retransmission$/m);
    expect((await tsx('sockets')).stdout).toBe(stdout);
  });

  it('netmsg: the README echo across two hosts through the NetMsgServers, then a partition gives the client a dead name', async () => {
    const { stdout } = await tsx('netmsg');
    expect(stdout).toContain('  t=0     146.86.5.20  client        HELLO');
    expect(stdout).toContain('  t=80    146.86.5.20  client        HELLO');
    expect(stdout).toMatch(/^ {2}6 +60 +146\.86\.5\.20 +161\.25\.19\.8 +\d+ +delivered +70$/m);
    expect(stdout).toContain('t=540   146.86.5.20  watcher       notification: dead-name for name 5 (the echo right); the name holds: dead-name');
    expect(stdout).toContain('a send to it now: MACH_SEND_INVALID_DEST');
    expect((await tsx('netmsg')).stdout).toBe(stdout);
  });

  it('nameserver: the name server task crashes, init restarts it, servers check in again, clients go on', async () => {
    const { stdout } = await tsx('nameserver', '--only', 'summary');
    expect(stdout).toContain('run done at t=50');
    expect(stdout).toMatch(/t=30 +kernel +bootstrap port back to the kernel \(its name server, pid 7, ended\)/);
    expect(stdout).toMatch(/t=30 +spooler +look_up plotter \(waiting inside the name server\): MIG_SERVER_DIED/);
    expect(stdout).toMatch(/t=35 +editor +files: read \/doc at t=35 done/);
    expect(stdout).toMatch(/t=40 +netname +serving the bootstrap port \(3 requests were waiting for a name server\)/);
    expect(stdout).toMatch(/t=40 +fileserver\[8\] +the name server was restarted: checked 'files' in again: SUCCESS/);
    expect(stdout).toMatch(/t=40 +shell +printer: print \/doc done/);
    expect(stdout).toMatch(/^ +10 netname$/m);
    expect(stdout).toContain('by the kernel: 0');
    expect((await tsx('nameserver', '--only', 'summary')).stdout).toBe(stdout);
  });

  it('portmapper: GETPORT on UDP 111 hands out the instances in turn; a crash mid-call fails its caller over; DUMP before and after; least-loaded skips the busy one', async () => {
    const { stdout } = await tsx('portmapper');
    expect(stdout).toContain('GETPORT answers in the order the mapper gave them: 2001 2002 2003 2001 2002 2003 2001 2002 2003 2001 2003 2001 2003 2001 2003');
    expect(stdout).toMatch(/^  54 +bob@146\.86\.5\.20 +2002 → 2003 +instance 3 +\(failover: 2002 did not answer in 30 ms\)$/m);
    expect(stdout).toMatch(/t=60 +portmapper@161\.25\.19\.8: 0x20000042 v1 udp 2002: its server died, unset/);
    expect(stdout).toMatch(/DUMP before[^\n]*\n.*\n.*2001\n.*2002\n.*2003\n/);
    expect(stdout).toMatch(/DUMP after[^\n]*\n.*\n.*2001\n.*2003\n\n/);
    expect(stdout).toContain('calls served: instance 1 6, instance 2 2, instance 3 6; failed 0');
    expect(stdout).toContain('2001  reported 3, handed out 1, load now 4');
    expect((await tsx('portmapper')).stdout).toBe(stdout);
  });

  it('the course map lists every scenario with one line, and a closed pipe ends a scenario quietly', async () => {
    const { stdout } = await tsx('index');
    const { readdirSync } = await import('node:fs');
    const names = readdirSync(new URL('../scenarios', import.meta.url)).filter((f) => f.endsWith('.ts') && f !== 'args.ts' && f !== 'index.ts').map((f) => f.slice(0, -3));
    for (const name of names) expect(stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    const piped = await run('sh', ['-c', `${process.execPath} --import tsx scenarios/sockets.ts | head -1`], { cwd: new URL('..', import.meta.url).pathname });
    expect(piped.stderr).toBe('');
  });

  it('a bad option is refused with a usage line', async () => {
    await expect(tsx('tour', '--seed', 'x')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--seed needs an integer') });
  });
});
