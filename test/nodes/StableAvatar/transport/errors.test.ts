import { falApiErrorFrom } from '../../../../nodes/StableAvatar/transport/errors';
import { isTransient, surelyCreatedNothing } from '../../../../nodes/StableAvatar/transport/retry';
import { FalNetworkError } from '../../../../nodes/StableAvatar/transport/errors';

describe('falApiErrorFrom', () => {
	test('names each field of a 422 with fal\'s message', () => {
		const error = falApiErrorFrom(
			422,
			{},
			JSON.stringify({ detail: [{ loc: ['body', 'audio_url'], msg: 'File could not be downloaded', type: 'file_download_error' }] }),
			'Fetching the result',
		);
		expect(error.fieldErrors).toEqual([{ field: 'audio_url', message: 'File could not be downloaded' }]);
		expect(error.detail).toBe('audio_url: File could not be downloaded');
	});

	test('takes a plain-string detail and the error type from body or header', () => {
		const fromBody = falApiErrorFrom(503, {}, JSON.stringify({ detail: 'Runner went away', error_type: 'runner_disconnected' }), 'x');
		const fromHeader = falApiErrorFrom(502, { 'x-fal-error-type': 'runner_incomplete_response' }, '{"detail":"cut"}', 'x');
		expect([fromBody.detail, fromBody.errorType]).toEqual(['Runner went away', 'runner_disconnected']);
		expect(fromHeader.errorType).toBe('runner_incomplete_response');
	});

	test('copes with a body that is not JSON', () => {
		expect(falApiErrorFrom(502, {}, '<html>Bad Gateway</html>', 'x').detail).toBe('<html>Bad Gateway</html>');
		expect(falApiErrorFrom(500, {}, '', 'x').detail).toBe('no details given');
	});

	test('marks fal\'s own time-to-start deadline as final', () => {
		const error = falApiErrorFrom(504, { 'x-fal-request-timeout-type': 'user' }, '{}', 'x');
		expect(error.userDeadline).toBe(true);
		expect(isTransient(error)).toBe(false);
	});
});

describe('retry rules', () => {
	test('reads are retried on gateway errors and dropped connections, not on fal\'s verdicts', () => {
		expect(isTransient(falApiErrorFrom(503, {}, '', 'x'))).toBe(true);
		expect(isTransient(falApiErrorFrom(429, {}, '', 'x'))).toBe(true);
		expect(isTransient(new FalNetworkError('ECONNRESET', 'reset'))).toBe(true);
		expect(isTransient(falApiErrorFrom(500, {}, '{"detail":"boom","error_type":"runner_server_error"}', 'x'))).toBe(false);
		expect(isTransient(falApiErrorFrom(422, {}, '{}', 'x'))).toBe(false);
	});

	test('a submit is retried only when it surely created no job', () => {
		expect(surelyCreatedNothing(new FalNetworkError('ECONNREFUSED', 'refused'))).toBe(true);
		expect(surelyCreatedNothing(falApiErrorFrom(429, {}, '', 'x'))).toBe(true);
		expect(surelyCreatedNothing(falApiErrorFrom(503, {}, '', 'x'))).toBe(true);
		expect(surelyCreatedNothing(new FalNetworkError('ECONNRESET', 'reset'))).toBe(false);
		expect(surelyCreatedNothing(falApiErrorFrom(502, {}, '', 'x'))).toBe(false);
		expect(surelyCreatedNothing(falApiErrorFrom(504, {}, '', 'x'))).toBe(false);
	});
});
