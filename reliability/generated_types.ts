/**
 * The API contract as TypeScript sees it: the types that openapi-typescript generates from
 * docs/openapi.yaml (make clients). This file type-checks (make client-test) only while those
 * types say what the API does; each declaration below is a fact of the API that a TypeScript
 * client relies on, and fails to compile when the schema says otherwise.
 */
import type { components, operations } from "../var/clients/typescript/schema";

type StatusUpdate = components["schemas"]["StatusUpdate"];
type FeedStatusUpdate = components["schemas"]["FeedStatusUpdate"];

// An update recorded without its optional fields has them null, never "".
export const leftOut: Pick<StatusUpdate, "progress" | "confidence"> = {
  progress: null,
  confidence: null,
};
export const leftOutInTheFeed: Pick<FeedStatusUpdate, "confidence"> = {
  confidence: null,
};

// ?format=csv answers text, a spreadsheet's rows, not JSON.
export const commitmentsCsv: operations["commitments_list"]["responses"][200]["content"]["text/csv"] =
  "code,title\r\nMIL-1,Military engagement\r\n";
export const updatesCsv: operations["updates_list"]["responses"][200]["content"]["text/csv"] =
  "id,commitment\r\n1,MIL-1\r\n";

// A refused status update says why, in a problem (RFC 9457) a client can read: a stable code,
// the messages per field under errors, and the request's id (X-Request-ID) to quote.
export type RefusedUpdate =
  operations["commitments_updates_create"]["responses"][400]["content"]["application/problem+json"];
export const refusedUpdate: RefusedUpdate = {
  type: "about:blank",
  title: "Bad Request",
  status: 400,
  detail: "progress: Ensure this value is less than or equal to 100.",
  code: "invalid",
  errors: { progress: ["Ensure this value is less than or equal to 100."] },
  request_id: "4f1c2b7e9a0d4c3b8e6f5a1d2c3b4a59",
};

// Every response says the client's rate limit; a page says where the next one is.
export type PageHeaders = operations["commitments_list"]["responses"][200]["headers"];
export const pageHeaders: Pick<PageHeaders, "Link" | "RateLimit" | "RateLimit-Policy"> = {
  Link: '<http://127.0.0.1:8000/api/v1/commitments/?page=2>; rel="next"',
  RateLimit: '"anon";r=119;t=60',
  "RateLimit-Policy": '"anon";q=120;w=60',
};

// A read whose ETag still holds answers 304.
export type SummaryNotModified = operations["summary_retrieve"]["responses"][304];
