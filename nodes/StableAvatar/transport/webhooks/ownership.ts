/**
 * Whether a finished fal job belongs to the account of an API key: fal's queue answers a job's status
 * only to the account that submitted it (another account's request id is unknown to it: 404). Asked
 * at the credential's own queue origin, so it works the same through a Base URL proxy.
 */
import type { FalHttp } from '../http';
import { DEFAULT_ENDPOINT_ID, jobUrls } from '../urls';

/** A check that cannot be answered in this time fails the delivery; fal delivers it again later. */
export const OWNERSHIP_TIMEOUT_MS = 10_000;

/** `unknown`: fal could not say (unreachable, slow, 5xx, key refused): neither accept nor judge. */
export type Ownership = 'own' | 'foreign' | 'unknown';

export async function jobOwnership(http: FalHttp, queueOrigin: string, requestId: string): Promise<Ownership> {
	try {
		const { status } = await http.api({
			method: 'GET',
			url: jobUrls(queueOrigin, DEFAULT_ENDPOINT_ID, requestId).status,
			signal: AbortSignal.timeout(OWNERSHIP_TIMEOUT_MS),
		});
		if (status === 200 || status === 202) return 'own';
		if (status === 404) return 'foreign';
		return 'unknown';
	} catch {
		return 'unknown';
	}
}
