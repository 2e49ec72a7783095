// Redfish error bodies and message entries (DSP0266 "Error responses"; Message schema in DSP8010;
// message ids from DMTF's Base message registry, DSP8011). Texts are our own wording of each
// message's meaning; the ids and argument order follow the registry so clients can key on them.

export type Json = Record<string, unknown>;

/** Registry prefix of every MessageId: "<Registry>.<major>.<minor>". */
export const BASE_REGISTRY = 'Base.1.16';

type Severity = 'OK' | 'Warning' | 'Critical';

interface Entry {
  severity: Severity;
  text: (a: string[]) => string;
  resolution: string;
}

const BASE: Record<string, Entry> = {
  GeneralError: { severity: 'Critical', text: () => 'A general error has occurred. See the resolution for details.', resolution: 'None.' },
  InternalError: { severity: 'Critical', text: () => 'The request failed because of an internal error in the service.', resolution: 'Resubmit the request; if the problem persists, check the lab machine.' },
  NoValidSession: { severity: 'Critical', text: () => 'No valid session was established with the service, and no valid Basic credentials were given.', resolution: 'Create a session or send valid credentials, then resubmit the request.' },
  ResourceNotFound: { severity: 'Critical', text: (a) => `The requested resource of type ${a[0]} named '${a[1]}' was not found.`, resolution: 'Provide a valid resource identifier and resubmit the request.' },
  ResourceMissingAtURI: { severity: 'Critical', text: (a) => `The resource at the URI '${a[0]}' was not found.`, resolution: 'Place a valid resource at the URI or correct the URI and resubmit the request.' },
  OperationNotAllowed: { severity: 'Critical', text: () => 'The HTTP method is not allowed on this resource.', resolution: 'Use one of the methods listed in the Allow header.' },
  MalformedJSON: { severity: 'Critical', text: () => 'The request body was not valid JSON and could not be parsed.', resolution: 'Correct the request body and resubmit the request.' },
  UnrecognizedRequestBody: { severity: 'Critical', text: () => 'The request body is valid JSON but not a JSON object the service can interpret.', resolution: 'Send a JSON object and resubmit the request.' },
  EmptyJSON: { severity: 'Warning', text: () => 'The request body was an empty JSON object; there is nothing to do.', resolution: 'Add properties to the request body and resubmit the request.' },
  PropertyUnknown: { severity: 'Warning', text: (a) => `The property ${a[0]} is not in the list of valid properties for the resource.`, resolution: 'Remove the unknown property from the request body and resubmit the request if the operation failed.' },
  PropertyNotWritable: { severity: 'Warning', text: (a) => `The property ${a[0]} is a read only property and cannot be assigned a value.`, resolution: 'Remove the property from the request body and resubmit the request if the operation failed.' },
  PropertyMissing: { severity: 'Warning', text: (a) => `The property ${a[0]} is a required property and must be included in the request.`, resolution: 'Include the property in the request body and resubmit the request.' },
  PropertyValueTypeError: { severity: 'Warning', text: (a) => `The value ${a[0]} for the property ${a[1]} is not of the type the property can accept.`, resolution: 'Correct the value for the property in the request body and resubmit the request if the operation failed.' },
  PropertyValueNotInList: { severity: 'Warning', text: (a) => `The value ${a[0]} for the property ${a[1]} is not in the list of acceptable values.`, resolution: 'Choose a value from the property\'s @Redfish.AllowableValues and resubmit the request.' },
  ActionParameterMissing: { severity: 'Critical', text: (a) => `The action ${a[0]} requires the parameter ${a[1]} to be present in the request body.`, resolution: 'Supply the parameter and resubmit the request.' },
  ActionParameterValueTypeError: { severity: 'Warning', text: (a) => `The value ${a[0]} for the parameter ${a[1]} in the action ${a[2]} is not of the type the parameter can accept.`, resolution: 'Correct the value and resubmit the request.' },
  ActionParameterValueNotInList: { severity: 'Warning', text: (a) => `The value ${a[0]} for the parameter ${a[1]} in the action ${a[2]} is not in the list of acceptable values.`, resolution: 'Choose a value from the parameter\'s @Redfish.AllowableValues and resubmit the request.' },
  ActionParameterUnknown: { severity: 'Warning', text: (a) => `The action ${a[0]} was submitted with the invalid parameter ${a[1]}.`, resolution: 'Remove the parameter and resubmit the request.' },
  PreconditionFailed: { severity: 'Critical', text: () => 'The ETag supplied did not match the current ETag of the resource.', resolution: 'Read the resource again (GET), then resubmit the request with its current ETag.' },
  QueryNotSupported: { severity: 'Warning', text: () => 'Querying is not supported by the implementation.', resolution: 'Remove the query parameters and resubmit the request.' },
  Success: { severity: 'OK', text: () => 'The request completed successfully.', resolution: 'None.' },
};

export type MessageKey = keyof typeof BASE;

/** One Message (DSP8010 Message schema) for @Message.ExtendedInfo. */
export function message(key: MessageKey, args: string[] = [], related?: string[]): Json {
  const e = BASE[key] ?? BASE.GeneralError!;
  const m: Json = {
    '@odata.type': '#Message.v1_1_2.Message',
    MessageId: `${BASE_REGISTRY}.${key}`,
    Message: e.text(args),
    MessageArgs: args,
    MessageSeverity: e.severity,
    Severity: e.severity, // deprecated in Message v1.1, still read by older clients
    Resolution: e.resolution,
  };
  if (related?.length) m.RelatedProperties = related;
  return m;
}

/**
 * The error response body (DSP0266 "Error responses"): `code` is a MessageId (the single message's
 * id, else GeneralError), `message` a readable summary, details in @Message.ExtendedInfo.
 */
export function errorBody(messages: Json[], summary?: string): Json {
  const first = messages[0];
  const single = messages.length === 1 && first;
  return {
    error: {
      code: single ? single.MessageId : `${BASE_REGISTRY}.GeneralError`,
      message: summary ?? (single ? single.Message : 'Several errors occurred; see @Message.ExtendedInfo.'),
      '@Message.ExtendedInfo': messages,
    },
  };
}

/** The JSON pointer Redfish uses in RelatedProperties ("#/Boot/BootSourceOverrideTarget"). */
export function pointer(...path: string[]): string {
  return `#/${path.join('/')}`;
}
