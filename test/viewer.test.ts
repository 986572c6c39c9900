/**
 * The HTML trace viewer: the page of a small run and of a ~100k-record run,
 * opened from disk in headless Chromium (Debian's package, driven by
 * playwright-core). Set VIEWER_SHOTS=<dir> to keep screenshots.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { boot, codeName, type TraceRecord } from '../index.ts';
import { renderHtml, writeHtml } from '../trace/viewer/html.ts';
import { packTrace, unpackTrace } from '../trace/viewer/pack.ts';
import { buildModel, snapshotAt } from '../trace/viewer/client/model.ts';
import type { ViewerHandle } from '../trace/viewer/client/main.ts';

/** The page's globals, as page.evaluate's callbacks see them (the project's tsconfig has no DOM lib). */
type PageGlobals = {
  __xmachViewer?: ViewerHandle;
  document: { getElementById(id: string): { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } } };
};

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** README's first program, with three round trips. */
async function smallRun(): Promise<TraceRecord[]> {
  const k = boot({ seed: 1 });
  k.spawn('echo', async (sys) => {
    const { name: port } = await sys.port_allocate('receive', 'echo');
    await sys.netname_check_in('echo', port!);
    for (;;) {
      const r = await sys.msg_receive<string>(port!);
      if (!r.ok) return 1;
      await sys.msg_send(r.msg.reply, { id: r.msg.id + 100, body: r.msg.body.toUpperCase() });
    }
  }, { daemon: true });
  k.spawn('client', async (sys) => {
    const { port } = await sys.netname_look_up('echo', { wait: true });
    for (let i = 0; i < 3; i++) {
      const r = await sys.msg_rpc<string>(port!, { id: 1, body: 'hello' });
      sys.log(r.ok ? r.msg.body : codeName(r.code));
    }
  });
  await k.run();
  return k.trace.records;
}

/** Two clients ping-pong a server on two CPUs while a third task computes and sleeps: ~100k records. */
async function largeRun(rounds = 2950): Promise<TraceRecord[]> {
  const k = boot({ seed: 2, sched: { policy: 'rr', quantum: 4, cpus: 2 } });
  k.spawn('server', async (sys) => {
    const { name: port } = await sys.port_allocate('receive', 'pong');
    await sys.netname_check_in('pong', port!);
    for (;;) {
      const r = await sys.msg_receive<number>(port!);
      if (!r.ok) return 1;
      await sys.msg_send(r.msg.reply, { id: 2, body: r.msg.body + 1 });
    }
  }, { daemon: true });
  for (const name of ['ping-a', 'ping-b']) {
    k.spawn(name, async (sys) => {
      const { port } = await sys.netname_look_up('pong', { wait: true });
      for (let i = 0; i < rounds; i++) {
        await sys.msg_rpc<number>(port!, { id: 1, body: i });
        if (i % 200 === 0) await sys.compute(3);
      }
    });
  }
  k.spawn('cruncher', async (sys) => {
    for (let i = 0; i < 20; i++) {
      await sys.compute(5);
      await sys.sleep(2);
    }
  });
  await k.run();
  return k.trace.records;
}

describe('viewer model (Node)', () => {
  test('packing is lossless and keeps </script> out of the page', async () => {
    const records = await smallRun();
    expect(unpackTrace(JSON.parse(JSON.stringify(packTrace(records))))).toEqual(records);
    const evil = [...records, { ...records.at(-1)!, seq: records.length, kind: 'log' as const, detail: '</script><script>alert(1)</script>' }];
    const page = renderHtml(evil, { title: '<b>x</b>' });
    expect(page.match(/<\/script>/g)).toHaveLength(2); // the data element's and the code's own
    expect(page).not.toContain('<b>x</b>');
  });

  test('snapshots: process states, queues and the tree at an instant', async () => {
    const model = buildModel(await smallRun());
    const client = [...model.lane.values()].find((l) => l.name === 'client')!;
    const block = model.recs.findIndex((r) => r.kind === 'block' && r.pid === client.pid);
    const at = snapshotAt(model, block);
    expect(at.tasks.find((t) => t.pid === client.pid)).toMatchObject({ state: 'waiting', on: expect.stringContaining('receive') });
    const end = snapshotAt(model, model.n - 1);
    expect(end.tasks.find((t) => t.pid === client.pid)?.state).toBe('terminated');
    expect(end.procs.find((p) => p.pid === client.pid)?.status).toBe('reaped');
    expect(end.ports.every((p) => p.queue === 0)).toBe(true);
    const send = model.recs.findIndex((r) => r.kind === 'send' && r.portLabel === 'echo');
    expect(snapshotAt(model, send).ports.find((p) => p.label === 'echo')).toMatchObject({ queue: 1, senders: [client.pid] });
    expect(model.msgs.every((m) => m.e > m.s)).toBe(true); // every message of this run was taken
  });
});

describe('viewer page (headless Chromium)', () => {
  let browser: Browser;
  let dir: string;
  const shots = process.env.VIEWER_SHOTS;

  /** Why there is no browser: each test fails with it (a missing Chromium is a failure, not a skip). */
  let missing: Error | null = null;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xmach-viewer-'));
    if (shots) mkdirSync(shots, { recursive: true });
    if (!existsSync(CHROMIUM)) {
      missing = new Error(`Chromium not found at ${CHROMIUM}: the viewer tests need it. Install Debian's package `
        + '(apt-get update && apt-get install -y chromium), as .ci/run does, or set CHROMIUM_PATH.');
      return;
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Opens a page, failing on any console error or page error. */
  async function open(file: string): Promise<{ page: Page; errors: string[]; ms: number }> {
    if (missing) throw missing;
    const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => { if (!r.url().startsWith('file:')) errors.push(`network request: ${r.url()}`); });
    const t0 = performance.now();
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__xmachViewer?.ready === true, null, { timeout: 30_000 });
    return { page, errors, ms: performance.now() - t0 };
  }

  /** Non-white pixels of a canvas (the canvas draws on a transparent background over white). */
  const inked = (page: Page, id: string): Promise<number> => page.evaluate((canvasId) => {
    const c = (globalThis as unknown as PageGlobals).document.getElementById(canvasId);
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 0 && (data[i]! < 240 || data[i + 1]! < 240 || data[i + 2]! < 240)) n++;
    return n;
  }, id);

  const taskState = (page: Page, pid: number): Promise<string | null> =>
    page.locator(`#state tr[data-pid="${pid}"]`).getAttribute('data-state');

  test('small run: diagram, Gantt, tree, slider, click, filters', async () => {
    if (missing) throw missing;
    const records = await smallRun();
    const file = join(dir, 'small.html');
    writeHtml(file, records, { title: 'echo', runId: 'seed 1' });
    const { page, errors, ms } = await open(file);
    console.log(`viewer: small run, ${records.length} records, page ready in ${ms.toFixed(0)} ms`);

    // the three views
    expect(await inked(page, 'seq')).toBeGreaterThan(2000);
    expect(await inked(page, 'gantt')).toBeGreaterThan(2000);
    expect(await page.locator('#seq').getAttribute('data-rows')).toBe('kernel|echo|client');
    expect(await page.locator('#gantt').getAttribute('data-rows')).toBe('echo|client');
    expect(Number(await page.locator('#seq').getAttribute('data-msgs'))).toBe(12);
    await expect.poll(() => page.locator('#tree li[data-pid]').allTextContents()).toEqual([
      expect.stringContaining('echo (1)'), expect.stringContaining('client (2)'),
    ]);
    expect(await page.locator('#tree li[data-pid="2"]').getAttribute('data-status')).toBe('reaped');

    // the slider: the client waits for its reply, and at the end it has terminated
    const block = records.findIndex((r) => r.kind === 'block' && r.task === 'client');
    await page.locator('#slider').fill(String(block));
    await expect.poll(() => taskState(page, 2)).toBe('waiting');
    expect(await page.locator('#tree li[data-pid="2"]').getAttribute('data-status')).toBe('waiting');
    await page.locator('#slider').fill(String(records.length - 1));
    await expect.poll(() => taskState(page, 2)).toBe('terminated');

    // queue length at the instant a request sits in the echo port
    const send = records.findIndex((r) => r.kind === 'send' && r.portLabel === 'echo');
    await page.locator('#slider').fill(String(send));
    await expect.poll(async () => page.locator('#state tr[data-port]', { hasText: 'echo (8)' }).getAttribute('data-queue')).toBe('1');

    // clicking a record on the diagram shows all its fields
    const receive = records.findIndex((r) => r.kind === 'receive' && r.portLabel === 'echo');
    await page.evaluate((i) => (globalThis as unknown as PageGlobals).__xmachViewer!.setCursor(i), receive - 8);
    const at = await page.evaluate((i) => (globalThis as unknown as PageGlobals).__xmachViewer!.locate(i), receive);
    expect(at).not.toBeNull();
    await page.locator('#seq').click({ position: at! });
    await expect.poll(() => page.locator('#details .rec-title').textContent()).toContain(`#${receive} `);
    const fields = await page.locator('#details table.kv th').allTextContents();
    expect(fields.sort()).toEqual(Object.keys(records[receive]!).sort());
    expect(await page.locator('#details .related').textContent()).toContain('Its send');
    // and clicking a row of the record table selects it too
    await page.locator('#list .list-row', { hasText: `#${receive - 1}` }).first().click();
    await expect.poll(() => page.locator('#details .rec-title').textContent()).toContain(`#${receive - 1} `);

    // filters: hide the client, then hide sends
    await page.locator('#filters label', { hasText: 'client (2)' }).locator('input').uncheck();
    await expect.poll(() => page.locator('#seq').getAttribute('data-rows')).toBe('kernel|echo');
    expect(await page.locator('#gantt').getAttribute('data-rows')).toBe('echo');
    expect(await page.locator('#state tr[data-pid="2"]').count()).toBe(0);
    const before = Number(await page.locator('#seq').getAttribute('data-msgs'));
    await page.locator('#filters label', { hasText: /^send \(/ }).locator('input').uncheck();
    await expect.poll(async () => Number(await page.locator('#seq').getAttribute('data-msgs'))).toBeLessThan(before);
    await page.locator('#filters label', { hasText: 'client (2)' }).locator('input').check();
    await expect.poll(() => page.locator('#seq').getAttribute('data-rows')).toBe('kernel|echo|client');

    if (shots) await page.screenshot({ path: join(shots, 'viewer-small.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  test('an empty trace and a one-record trace open without errors', async () => {
    for (const records of [[], [{ seq: 0, t: 0, kind: 'log', pid: 1, task: 'solo', detail: 'alone' }]] as TraceRecord[][]) {
      const file = join(dir, `tiny-${records.length}.html`);
      writeHtml(file, records);
      const { page, errors } = await open(file);
      expect(await page.locator('#summary').textContent()).toContain(`${records.length} records`);
      expect(errors).toEqual([]);
      await page.close();
    }
  }, 60_000);

  test('large run (~100k records) opens in a couple of seconds and stays responsive', async () => {
    if (missing) throw missing;
    const records = await largeRun();
    expect(records.length).toBeGreaterThan(90_000);
    const file = join(dir, 'large.html');
    const t0 = performance.now();
    const bytes = writeHtml(file, records, { title: 'ping-pong', runId: 'seed 2' });
    const renderMs = performance.now() - t0;
    const { page, errors, ms } = await open(file);
    console.log(`viewer: large run, ${records.length} records, ${(bytes / 1e6).toFixed(1)} MB, renderHtml ${renderMs.toFixed(0)} ms, page ready in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(10_000);

    expect(await inked(page, 'seq')).toBeGreaterThan(10_000);
    expect(await inked(page, 'gantt')).toBeGreaterThan(10_000);
    expect(await page.locator('#seq').getAttribute('data-rows')).toBe('kernel|server|ping-a|ping-b|cruncher');
    expect(Number(await page.locator('#seq').getAttribute('data-msgs'))).toBeGreaterThan(100);
    expect(await page.locator('#tree li[data-pid]').count()).toBe(4);
    // the record table is virtualised: far fewer rows in the DOM than records
    expect(await page.locator('#list .list-row').count()).toBeLessThan(100);

    // the slider in the middle of the run: ping-a is alive, and terminated at the end
    const mid = Math.floor(records.length / 2);
    const t1 = performance.now();
    await page.locator('#slider').fill(String(mid));
    await expect.poll(() => page.locator('#cursor-label').textContent()).toContain(`#${mid} `);
    await expect.poll(() => taskState(page, 2)).not.toBe('terminated');
    console.log(`viewer: large run, slider to #${mid} and state shown in ${(performance.now() - t1).toFixed(0)} ms`);
    await page.locator('#slider').fill(String(records.length - 1));
    await expect.poll(() => taskState(page, 2)).toBe('terminated');

    // zoom in around the middle: individual messages with arrow heads and labels
    await page.locator('#slider').fill(String(mid));
    for (let i = 0; i < 12; i++) await page.locator('#zoom-in').click();
    await page.locator('#center').click();
    await expect.poll(async () => Number(await page.locator('#seq').getAttribute('data-msgs'))).toBeLessThan(20);
    expect(await inked(page, 'seq')).toBeGreaterThan(2000);

    if (shots) await page.screenshot({ path: join(shots, 'viewer-large-zoomed.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
