/** fal's webhook body → the video, or the failure in fal's words. */
import { FalApiError, FalProtocolError } from '../../../../../nodes/StableAvatar/transport/errors';
import { parseDelivery } from '../../../../../nodes/StableAvatar/transport/webhooks/delivery';

const body = (value: unknown) => Buffer.from(JSON.stringify(value));
const video = { url: 'https://v3.fal.media/files/x/output.mp4', content_type: 'video/mp4', file_name: 'output.mp4', file_size: 1234 };

test('an OK delivery carries the video file', () => {
	expect(parseDelivery(body({ request_id: 'r', gateway_request_id: 'g', status: 'OK', payload: { video } }), 'r')).toEqual({
		requestId: 'r',
		gatewayRequestId: 'g',
		status: 'OK',
		video: { url: video.url, contentType: 'video/mp4', fileName: 'output.mp4', fileSize: 1234 },
	});
});

test('a 422 names the field and keeps the request id', () => {
	const delivery = parseDelivery(
		body({ request_id: 'r', status: 'ERROR', error: 'Invalid status code: 422', payload: { detail: [{ loc: ['body', 'audio_url'], msg: 'File could not be downloaded', type: 'file_download_error' }] } }),
		'r',
	);
	expect(delivery.status).toBe('ERROR');
	if (delivery.status !== 'ERROR') return;
	expect(delivery.error).toBeInstanceOf(FalApiError);
	expect(delivery.error).toMatchObject({ status: 422, detail: 'audio_url: File could not be downloaded', requestId: 'r' });
});

test('a 5xx keeps error_type', () => {
	const delivery = parseDelivery(body({ request_id: 'r', status: 'ERROR', error: 'Invalid status code: 503', payload: { detail: 'gone', error_type: 'runner_disconnected' } }), 'r');
	expect(delivery.status === 'ERROR' && delivery.error).toMatchObject({ status: 503, errorType: 'runner_disconnected', detail: 'gone' });
});

test.each([
	['payload_error', { request_id: 'r', status: 'OK', payload: null, payload_error: 'Response payload is not JSON serializable' }, /not JSON serializable/],
	['no payload', { request_id: 'r', status: 'OK', payload: null }, /no output/],
	['no video', { request_id: 'r', status: 'OK', payload: {} }, /no video/],
	['a video URL that is not http(s)', { request_id: 'r', status: 'OK', payload: { video: { url: 'ftp://x/y.mp4' } } }, /not http/],
])('%s is a failure that says so, never an exception', (_name, value, words) => {
	const delivery = parseDelivery(body(value), 'r');
	expect(delivery.status).toBe('ERROR');
	if (delivery.status !== 'ERROR') return;
	expect(delivery.error).toBeInstanceOf(FalProtocolError);
	expect(delivery.error.message).toMatch(words);
	expect(delivery.error.requestId).toBe('r');
});

test('a body that is not JSON keeps the signed request id', () => {
	const delivery = parseDelivery(Buffer.from('{"request_id": '), 'from-header');
	expect(delivery).toMatchObject({ requestId: 'from-header', status: 'ERROR' });
});
