/** Small statistics and formatting helpers for the benchmark's figures. */
import type { MemoryProbe, RunResult } from './types';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export function median(values: number[]): number {
	const sorted = finite(values).sort((a, b) => a - b);
	if (sorted.length === 0) return Number.NaN;
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function max(values: number[]): number {
	const kept = finite(values);
	return kept.length === 0 ? Number.NaN : Math.max(...kept);
}

export function min(values: number[]): number {
	const kept = finite(values);
	return kept.length === 0 ? Number.NaN : Math.min(...kept);
}

function finite(values: number[]): number[] {
	return values.filter((value) => Number.isFinite(value));
}

export function seconds(ms: number, digits = 2): string {
	return `${(ms / 1000).toFixed(digits)} s`;
}

export function millis(ms: number): string {
	return ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}

export function mebibytes(bytes: number): string {
	return `${(bytes / MiB).toFixed(1)} MiB`;
}

/** Peak RSS growth over the node's run: the higher of the sampled peak and the kernel's high-water mark. */
export function rssGrowth(memory: MemoryProbe): number {
	const peak = Math.max(memory.peakRssSampled, memory.peakRssHwm ?? 0);
	return peak - memory.baselineRss;
}

/** Throws unless the run succeeded with `expected` items, each with a stored video and no error. */
export function assertComplete(result: RunResult, expected: number, what: string): void {
	if (result.status !== 'success' || result.error) {
		throw new Error(`${what}: the workflow ended ${result.status}${result.error ? `: ${result.error}` : ''}`);
	}
	if (result.outputs.length !== expected) throw new Error(`${what}: ${result.outputs.length} items came out, ${expected} expected`);
	const broken = result.outputs.find((output) => output.error || !output.requestId || !output.binaryBytes);
	if (broken) throw new Error(`${what}: an item came out without a video (${broken.error ?? 'no binary'})`);
}

/** "a, b, c" of the per-run values, for the JSON and the progress log. */
export function list(values: number[], format: (value: number) => string): string {
	return values.map(format).join(', ');
}

/** "1 run", "3 runs". */
export function runsOf(count: number): string {
	return `${count} run${count === 1 ? '' : 's'}`;
}
