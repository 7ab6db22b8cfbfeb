/**
 * What a Cancel did, in words a user can act on. fal answers CANCELLATION_REQUESTED both for a
 * queued job (removed: it never runs and is never billed) and for a running one (only signalled: it
 * may still finish and be billed), so the job's status right after the cancel tells them apart.
 */
import type { IDataObject } from 'n8n-workflow';

import type { CancelOutcome, FalQueue, JobRef } from '../transport/queue';

/** Where the job stood when it was cancelled; `unknown` when its status could not be read. */
export type JobWas = 'queued' | 'running' | 'finished' | 'unknown';

export async function cancelReport(queue: FalQueue, ref: JobRef, outcome: CancelOutcome): Promise<IDataObject> {
	if (outcome === 'alreadyCompleted') {
		return { outcome, jobWas: 'finished', note: 'The job had already finished: nothing was cancelled. Get Result fetches its video (fal keeps it at least 6 minutes).' };
	}
	if (outcome === 'notFound') {
		return { outcome, jobWas: 'unknown', note: 'fal knows no job with this request ID at this endpoint: check the ID and the endpoint.' };
	}
	const jobWas = await statusAfterCancel(queue, ref);
	return { outcome, jobWas, note: NOTES[jobWas] };
}

const NOTES: Record<JobWas, string> = {
	queued: 'The job was still queued: fal removed it. It will not run and is not billed.',
	running:
		'The job was already running: fal signalled it to stop, but it may still finish and be billed. Get Status shows whether it stopped; Get Result fetches the video if it finished.',
	finished: 'The job had already finished: nothing was cancelled.',
	unknown:
		'fal accepted the cancel, but the job status could not be read: a queued job is removed (not billed); a running one may still finish and be billed. Get Status tells which.',
};

async function statusAfterCancel(queue: FalQueue, ref: JobRef): Promise<JobWas> {
	try {
		// A queued job is removed at once and shows COMPLETED; a running one stays IN_PROGRESS.
		const { status } = await queue.status(ref);
		return status === 'IN_PROGRESS' ? 'running' : 'queued';
	} catch {
		// The cancel itself succeeded; only the explanation is less certain.
		return 'unknown';
	}
}
