/** The log lines a running job "prints". fal returns them as a moving window, not a growing list. */
export interface LogEntry {
	message: string;
	level: 'INFO';
	source: 'USER';
	timestamp: string;
}

export const LOG_WINDOW = 3;

export function progressLogEntry(index: number, totalSteps: number, now: number): LogEntry {
	return { message: progressMessage(index, totalSteps), level: 'INFO', source: 'USER', timestamp: new Date(now).toISOString() };
}

/** About eight lines per run, however long the run is. */
export function logIntervalMs(runMs: number): number {
	return Math.min(2000, Math.max(20, Math.round(runMs / 8)));
}

function progressMessage(index: number, totalSteps: number): string {
	if (index === 0) return 'Loading StableAvatar weights';
	if (index === 1) return 'Encoding audio with wav2vec2';
	const step = Math.min(totalSteps, (index - 1) * Math.ceil(totalSteps / 8));
	return step < totalSteps ? `Denoising step ${step}/${totalSteps}` : `Decoding video frames (${index})`;
}
