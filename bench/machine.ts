/** The machine a run is on, for the README table. */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  node: string;
  memoryGB: number;
}

export function machineInfo(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1]!.trim();
  } catch {
    /* not Linux: os.cpus() it is */
  }
  return { cpus: os.availableParallelism(), cpuModel, node: process.version, memoryGB: Math.round(os.totalmem() / 2 ** 30) };
}

export function machineLine(m: MachineInfo = machineInfo()): string {
  return `${m.cpus} CPUs (nproc), ${m.cpuModel}, ${m.memoryGB} GB RAM, Node ${m.node}`;
}
