import type { JobOutcome } from './types';

/**
 * Prompt directives let a separate process (an n8n end-to-end run, the demo) pick a job's outcome
 * through nothing but the model input. The grammar is documented in index.ts.
 */
export interface DirectiveChoice {
	outcome?: JobOutcome;
	runMs?: number;
}

const DIRECTIVE = /\[emulator:([^\]]*)\]/gi;

export function parsePromptDirectives(prompt: unknown): DirectiveChoice {
	const choice: DirectiveChoice = {};
	if (typeof prompt !== 'string') return choice;
	for (const match of prompt.matchAll(DIRECTIVE)) {
		applyDirective(match[1].trim(), choice);
	}
	return choice;
}

function applyDirective(body: string, choice: DirectiveChoice): void {
	const lower = body.toLowerCase();
	const setting = /^([a-z-]+)=(.+)$/.exec(lower);
	if (setting) {
		applySetting(setting[1], body.slice(setting[1].length + 1).trim(), choice);
		return;
	}
	const errorStatus = /^(\d{3})\s+(\S+)$/.exec(body);
	if (errorStatus) {
		choice.outcome = errorOutcome(Number(errorStatus[1]), errorStatus[2]);
		return;
	}
	switch (lower) {
		case 'completed-error':
			choice.outcome = { kind: 'completed-with-error', error: 'Emulated failure inside the runner', errorType: 'runner_server_error' };
			return;
		case 'no-video':
			choice.outcome = { kind: 'no-video' };
			return;
		case 'never':
			choice.outcome = { kind: 'never-finishes' };
			return;
		case 'bad-video-url':
			choice.outcome = { kind: 'bad-video-url', url: 'ftp://127.0.0.1/output.mp4' };
			return;
		default:
		// Unknown directives are ignored, as a real model would ignore the text.
	}
}

function applySetting(name: string, value: string, choice: DirectiveChoice): void {
	const number = Number(value);
	switch (name) {
		case 'run':
			if (Number.isFinite(number) && number >= 0) choice.runMs = number;
			return;
		case 'video-bytes':
			if (Number.isFinite(number) && number > 0) choice.outcome = { kind: 'success', videoBytes: number };
			return;
		case 'status':
			choice.outcome = { kind: 'unknown-status', status: value.toUpperCase() };
			return;
		case 'truncated': {
			const [announced, sent] = value.split('/').map(Number);
			if (announced > 0 && sent >= 0 && sent < announced) {
				choice.outcome = { kind: 'truncated-download', announcedBytes: announced, sentBytes: sent };
			}
			return;
		}
		default:
	}
}

function errorOutcome(status: number, detail: string): JobOutcome {
	if (status === 422) {
		return { kind: 'validation', loc: ['body', detail], msg: `Emulated validation error for ${detail}`, type: 'value_error' };
	}
	return { kind: 'server', status, errorType: detail, detail: `Emulated ${detail} (HTTP ${status})` };
}
