// ONAP HAS's error body (seed 004, "API Errors"): {title, explanation, code, error: {message,
// type}}. HAS runs on pecan/webob, so `title` and `error.type` are webob's names for the status
// (HTTPBadRequest, ...) and `error.message` is webob's stock explanation of it; `explanation`
// says what was wrong with this request. A 401 carries no body ("other than unauthorized").

/** webob's title, class name and stock explanation per status. */
const WEBOB: Record<number, [title: string, type: string, message: string]> = {
  400: ['Bad Request', 'HTTPBadRequest', 'The server could not comply with the request since it is either malformed or otherwise incorrect.'],
  403: ['Forbidden', 'HTTPForbidden', 'Access was denied to this resource.'],
  404: ['Not Found', 'HTTPNotFound', 'The resource could not be found.'],
  // The seed's 405 example repeats the 400 message; kept as documented.
  405: ['Method Not Allowed', 'HTTPMethodNotAllowed', 'The server could not comply with the request since it is either malformed or otherwise incorrect.'],
  409: ['Conflict', 'HTTPConflict', 'There was a conflict when trying to complete your request.'],
  413: ['Request Entity Too Large', 'HTTPRequestEntityTooLarge', 'The body of your request was too large for this server.'],
  415: ['Unsupported Media Type', 'HTTPUnsupportedMediaType', 'The request media type is not supported by this server.'],
  422: ['Unprocessable Entity', 'HTTPUnprocessableEntity', 'Unable to process the contained instructions'],
  429: ['Too Many Requests', 'HTTPTooManyRequests', 'The client has sent too many requests in a given amount of time.'],
  500: ['Internal Server Error', 'HTTPInternalServerError', 'The server has either erred or is incapable of performing the requested operation.'],
  501: ['Not Implemented', 'HTTPNotImplemented', 'The server has not implemented the requested operation.'],
  502: ['Bad Gateway', 'HTTPBadGateway', 'Bad gateway.'],
  503: ['Service Unavailable', 'HTTPServiceUnavailable', 'The server is currently unavailable. Please try again at a later time.'],
  504: ['Gateway Timeout', 'HTTPGatewayTimeout', 'The gateway has timed out.'],
};

export interface HasErrorBody {
  title: string;
  explanation: string;
  code: number;
  error: { message: string; type: string };
}

export function hasErrorBody(status: number, explanation: string): HasErrorBody {
  const [title, type, message] = WEBOB[status] ?? WEBOB[500]!;
  return { title, explanation, code: status, error: { message, type } };
}

/** The explanation HAS gives a refused method ("The COPY method is not allowed."). */
export const methodNotAllowed = (method: string) => `The ${method} method is not allowed.`;

/** Paths of the HAS surface: its errors use this envelope even when no route matched. */
export const isHasPath = (path: string) => path === '/v1/plans' || path.startsWith('/v1/plans/');
