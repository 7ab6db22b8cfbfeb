/**
 * How much CPU other processes used while a scenario ran: the machine's busy time (/proc/stat) minus
 * the benchmark's own (this process plus its reaped children: emulators and engine children are all
 * started and stopped within their scenario). Linux only; elsewhere only the load average is known.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

interface Reading {
	machineBusy: number;
	machineTotal: number;
	own: number;
}

export interface LoadReport {
	/** Average CPUs used by processes other than the benchmark's; undefined off Linux. */
	otherCpus?: number;
	/** Highest 1-minute load average seen (includes the benchmark itself). */
	loadMax: number;
}

function read(): Reading | undefined {
	try {
		const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
		const [user, nice, system, idle, iowait, irq, softirq, steal] = fields;
		const busy = user + nice + system + irq + softirq + steal;
		const self = readFileSync('/proc/self/stat', 'utf8');
		const [utime, stime, cutime, cstime] = self.slice(self.lastIndexOf(')') + 2).split(' ').slice(11, 15).map(Number);
		return { machineBusy: busy, machineTotal: busy + idle + iowait, own: utime + stime + cutime + cstime };
	} catch {
		return undefined;
	}
}

/** Starts watching; `stop()` says what others used since. */
export function watchLoad(): { stop(): LoadReport } {
	const start = read();
	let loadMax = loadavg()[0];
	const timer = setInterval(() => (loadMax = Math.max(loadMax, loadavg()[0])), 2_000);
	timer.unref();
	return {
		stop() {
			clearInterval(timer);
			loadMax = Math.max(loadMax, loadavg()[0]);
			const end = read();
			if (!start || !end || end.machineTotal <= start.machineTotal) return { loadMax };
			const others = end.machineBusy - start.machineBusy - (end.own - start.own);
			return { loadMax, otherCpus: Math.max(0, (others / (end.machineTotal - start.machineTotal)) * cpus().length) };
		},
	};
}
