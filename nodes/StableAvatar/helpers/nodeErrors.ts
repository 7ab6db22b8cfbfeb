/**
 * Turns transport errors into n8n errors that say what happened, name the item, and, once a job
 * exists, give its request id and the operation that recovers it. The API key is never part of them.
 */
import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';

import { FalAbortedError, FalApiError, FalNetworkError, FalProtocolError, FalTimeoutError, isFalError } from '../transport/errors';
import { userFieldName } from './falFieldNames';

/** fal's infrastructure error types, in words a user can act on. */
const ERROR_TYPE_ADVICE: Record<string, string> = {
	request_timeout: 'The job ran into fal\'s time limit.',
	startup_timeout: 'fal could not start a machine for the job in time.',
	runner_scheduling_failure: 'fal could not schedule the job on a machine.',
	runner_connection_timeout: 'fal lost the connection to the machine running the job.',
	runner_disconnected: 'The machine running the job disconnected.',
	runner_connection_refused: 'The machine running the job refused the connection.',
	runner_connection_error: 'fal could not connect to the machine running the job.',
	runner_incomplete_response: 'The machine running the job sent an incomplete answer.',
	runner_server_error: 'The model failed while running the job.',
	client_disconnected: 'The job was dropped because the client disconnected.',
	client_cancelled: 'The job was cancelled.',
	internal_error: 'fal had an internal error.',
};

export function toNodeError(node: INode, error: unknown, itemIndex: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeOperationError || error instanceof NodeApiError) return error;
	if (!isFalError(error)) {
		return new NodeOperationError(node, error instanceof Error ? error : String(error), { itemIndex });
	}
	const requestId = error.requestId;
	const recovery = requestId ? ` Request ID: ${requestId}.` : '';
	const mayHaveStarted =
		(error instanceof FalApiError || error instanceof FalNetworkError) && error.jobMayExist
			? ' The job may have been created on fal anyway, and billed: check your requests at fal.ai/dashboard before running this item again.'
			: '';

	if (error instanceof FalApiError) {
		const { message, description } = explainByIdError(node, error, itemIndex) ?? explainApiError(node, error, requestId);
		// fal's own answer, for the error's details in the editor: `message` is what n8n lists there.
		const falAnswer = { detail: error.detail, error_type: error.errorType ?? null, request_id: requestId ?? null };
		const response: JsonObject = { message: `${error.status} - ${JSON.stringify(falAnswer)}`, status: error.status, ...falAnswer };
		return new NodeApiError(node, response, {
			itemIndex,
			httpCode: String(error.status),
			message,
			description: `${description}${mayHaveStarted} ${falSaid(error)}`.trim(),
		});
	}
	if (error instanceof FalTimeoutError) {
		return new NodeOperationError(node, `${error.message} (last status: ${error.lastStatus})`, {
			itemIndex,
			description: timeoutAdvice(error, recovery),
		});
	}
	if (error instanceof FalAbortedError) {
		return new NodeOperationError(node, 'The run was canceled while waiting for fal', {
			itemIndex,
			description: requestId
				? error.cancelled
					? `fal was asked to cancel the job: a queued job is removed and costs nothing, a job already rendering may still run to its end and be billed.${recovery} Get Status shows where it stands; Get Result fetches it if it finished.`
					: `The job could not be cancelled and may still finish on fal.${recovery} Fetch it with Get Result or stop it with Cancel.`
				: undefined,
		});
	}
	const afterSubmit = requestId
		? `${recovery} The job exists on fal: check it with Get Status and fetch the video with Get Result.`
		: '';
	if (error instanceof FalNetworkError) {
		return new NodeOperationError(node, error.message, {
			itemIndex,
			description: requestId
				? `The connection to fal failed after the job was submitted.${afterSubmit}`
				: `Check the network connection and the Base URL of the fal API credential.${mayHaveStarted || ' Then run again.'}`,
		});
	}
	const protocolError: FalProtocolError = error;
	return new NodeOperationError(node, protocolError.message, {
		itemIndex,
		description: `fal's answer could not be used.${afterSubmit}`,
	});
}

/** The operations that look a job up by the Request ID the user gave, by their names in the editor. */
const BY_ID_OPERATIONS: Record<string, string> = { getStatus: 'Get Status', getResult: 'Get Result', cancel: 'Cancel' };

/**
 * fal refusing a Request ID is a problem with the item's input, so it reads like the input checks:
 * item, field, value, what to do. Other answers (key, rate limit, fal failures) are explained as for any operation.
 */
function explainByIdError(node: INode, error: FalApiError, itemIndex: number): { message: string; description: string } | undefined {
	const operation = BY_ID_OPERATIONS[String(node.parameters.operation)];
	const requestId = error.requestId;
	if (!operation || !requestId) return undefined;
	const useTheRightId =
		'Use the requestId that Submit or Generate output for the job. If you changed Endpoint ID under Advanced Options, it must be the one the job was submitted to.';
	// On the result route fal answers for the job (a 422 there is the job's own input error), not for the ID.
	const fromResult = error.message.startsWith('Fetching the result');
	if (error.status === 404 && fromResult) {
		return {
			message: `Item ${itemIndex}: the result of job ${requestId} is no longer on fal (404)`,
			description:
				'fal keeps a finished job\'s result for 1 hour (6 minutes for large ones). The video file stays at its URL for longer: download it from the video.url you kept, or run Generate again.',
		};
	}
	if (error.status === 404) {
		return {
			message: `Item ${itemIndex}: Request ID "${requestId}" is not a job fal knows (404)`,
			description: `${operation} asks fal for the job with this Request ID. ${useTheRightId} fal forgets jobs some time after they end; then start the video again with Generate.`,
		};
	}
	if ((error.status === 400 || error.status === 422) && !fromResult) {
		return {
			message: `Item ${itemIndex}: fal refused Request ID "${requestId}" (${error.status}: ${error.detail})`,
			description: useTheRightId,
		};
	}
	return undefined;
}

/** What a timeout did to the job, and what to change, for each bound. */
function timeoutAdvice(error: FalTimeoutError, recovery: string): string {
	if (error.reason === 'queueWait') {
		return error.cancelled
			? `It was cancelled while still in fal's queue, so nothing was billed.${recovery} Raise Max Queue Wait (Minutes) under Advanced Options, or run the item again when your fal account is less busy.`
			: `It could not be cancelled and may still start, and bill.${recovery} Check it with Get Status, fetch it with Get Result, or stop it with Cancel.`;
	}
	const cause =
		error.reason === 'execution'
			? ' The workflow\'s "Timeout Workflow" setting would have ended the run first: raise it, or use Submit with a webhook for long jobs.'
			: ' Raise Timeout (Minutes) under Advanced Options for long videos, or set On Timeout to "Return the Request ID" to collect the video later with Get Result.';
	if (!error.cancelled) {
		return `The job may still be running on fal.${recovery} Check it with Get Status and fetch the video with Get Result, or stop it with Cancel.${cause}`;
	}
	return error.lastStatus === 'IN_QUEUE'
		? `It was cancelled while still in fal's queue, so nothing was billed.${recovery}${cause}`
		: `fal was asked to cancel it, but a job that is rendering may run on to its end and be billed: if it finishes, Get Result fetches the video.${recovery}${cause}`;
}

function explainApiError(node: INode, error: FalApiError, requestId?: string): { message: string; description: string } {
	const id = requestId ? ` Request ID: ${requestId}.` : '';
	if (error.status === 401 || error.status === 403) {
		return {
			message: `fal rejected the API key (${error.status})`,
			description: `Check the API key in the fal API credential (fal.ai/dashboard/keys) and that the key may run this model.${id}`,
		};
	}
	if (error.status === 422) {
		const fields = error.fieldErrors.length > 0 ? error.fieldErrors : [{ field: undefined, message: error.detail }];
		const named = fields.map((f) => (f.field ? `${userFieldName(node, f.field)}: ${f.message}` : f.message)).join('; ');
		return {
			message: `fal rejected the input: ${named}`,
			description: `Fix the named parameter and run again.${id}`,
		};
	}
	if (error.status === 404 && requestId) {
		return {
			message: `fal has no result for request ${requestId} (404)`,
			description: `fal keeps results for 1 hour (6 minutes for large ones), so it may have expired, or the request ID or endpoint ID is wrong. A finished video stays at its URL for longer; otherwise run Generate again.`,
		};
	}
	if (error.status === 429) {
		return { message: `fal is rate limiting requests (429)`, description: `Lower Max Concurrent Jobs under Advanced Options, or run again later.${id}` };
	}
	if (!error.errorType && error.status >= 500) {
		// No error_type: a gateway's answer that outlasted the retries, not fal's verdict on the job,
		// which may well have finished: running the item again would pay for it twice.
		return {
			message: error.message,
			description: requestId
				? `The job exists on fal: check it with Get Status and fetch the video with Get Result.${id}`
				: 'Run again; if it keeps failing, check fal\'s status page.',
		};
	}
	const advice = error.errorType ? (ERROR_TYPE_ADVICE[error.errorType] ?? '') : '';
	const typeLabel = error.errorType ? `, ${error.errorType}` : '';
	const failedJob = requestId
		? ` Failed jobs with a 5xx error are not billed: start the item again with Generate or Submit (Get Status shows the failed job's logs).`
		: ' Run again; if it keeps failing, check fal\'s status page.';
	return {
		message: `fal failed: ${error.detail} (${error.status}${typeLabel})`,
		description: `${advice}${error.status >= 500 ? failedJob : ''}${id}`.trim(),
	};
}

/** fal's own words, shown with every fal answer: its `detail` and `error_type`. */
function falSaid(error: FalApiError): string {
	return `fal answered ${error.status}: "${error.detail}"${error.errorType ? ` (error_type: ${error.errorType})` : ''}.`;
}
