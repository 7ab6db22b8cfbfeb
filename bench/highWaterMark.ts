/** Peak resident memory of this process, from Linux's VmHWM: it catches peaks that sampling misses. */
import { readFileSync, writeFileSync } from 'node:fs';

/** Writing 5 to clear_refs resets VmHWM to the current RSS; false where that is not possible. */
export function resetHighWaterMark(): boolean {
	try {
		writeFileSync('/proc/self/clear_refs', '5');
		return highWaterMark() !== undefined;
	} catch {
		return false;
	}
}

export function highWaterMark(): number | undefined {
	try {
		const match = /VmHWM:\s*(\d+)\s*kB/.exec(readFileSync('/proc/self/status', 'utf8'));
		return match ? Number(match[1]) * 1024 : undefined;
	} catch {
		return undefined;
	}
}
