"""The published OpenAPI 3.1 document of the intake API, built from the same JSON Schema the
API validates with (domain.origination.intake_schema)."""
from domain.origination.intake_schema import APPLICATION_REQUEST, APPLICATION_RESPONSE, ERROR
from domain.onboarding.schema import (
    BATCH_REQUEST,
    BATCH_RESPONSE,
    LOAN_REQUEST,
    LOAN_RESPONSE,
    LOAN_STATUS,
)


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def document() -> dict:
    ok = {"content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/ApplicationResult"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Lendbook intake API", "version": "1.0.0",
                 "description": "Submit loan applications from partner applications. "
                                "Authenticate with `Authorization: Bearer <partner key>`; "
                                "every POST needs an `Idempotency-Key` header."},
        "paths": {
            "/api/v1/applications": {"post": {
                "operationId": "createApplication", "summary": "Submit an application",
                "security": [{"partnerKey": []}],
                "parameters": [{"name": "Idempotency-Key", "in": "header", "required": True,
                                "schema": {"type": "string", "minLength": 1,
                                           "maxLength": 100}}],
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/ApplicationRequest"}}}},
                "responses": {
                    "201": {"description": "Decided", **ok},
                    "200": {"description": "A replay of an earlier request with this key",
                            **ok},
                    "400": _error("Unreadable request or missing Idempotency-Key"),
                    "401": _error("Missing or unknown partner key"),
                    "409": _error("Idempotency-Key reused with a different body"),
                    "413": _error("Body too large"),
                    "422": _error("Invalid fields, each named"),
                }}},
            "/api/v1/applications/{application_id}": {"get": {
                "operationId": "getApplication", "summary": "An application's status",
                "security": [{"partnerKey": []}],
                "parameters": [{"name": "application_id", "in": "path", "required": True,
                                "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "The application", **ok},
                              "401": _error("Missing or unknown partner key"),
                              "404": _error("Not found for this partner")}}},
            **_onboarding_paths(),
        },
        "components": {
            "securitySchemes": {"partnerKey": {"type": "http", "scheme": "bearer"}},
            "schemas": {"ApplicationRequest": APPLICATION_REQUEST,
                        "ApplicationResult": APPLICATION_RESPONSE, "Error": ERROR,
                        "LoanRequest": LOAN_REQUEST, "LoanResult": LOAN_RESPONSE,
                        "LoanStatus": LOAN_STATUS,
                        "LoanBatchRequest": BATCH_REQUEST, "LoanBatchResult": BATCH_RESPONSE},
        },
    }


def _onboarding_paths() -> dict:
    """`POST /api/v1/loans` and `/api/v1/loans:batch`: boarding loans from a source system."""
    def op(op_id, summary, request, result):
        ok = {"content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{result}"}}}}
        return {"post": {
            "operationId": op_id, "summary": summary, "security": [{"partnerKey": []}],
            "parameters": [{"name": "Idempotency-Key", "in": "header", "required": True,
                            "schema": {"type": "string", "minLength": 1, "maxLength": 100}}],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{request}"}}}},
            "responses": {
                "201": {"description": "Boarded: Loan ID and schedule", **ok},
                "200": {"description": "A replay of an earlier request with this key", **ok},
                "400": _error("Unreadable request or missing Idempotency-Key"),
                "401": _error("Missing or unknown partner key"),
                "409": _error("Idempotency-Key reused with a different body"),
                "413": _error("Body too large"),
                "422": _error("Invalid or unknown fields, each named by its path; "
                              "nothing boarded")}}}
    return {"/api/v1/loans": op("boardLoan", "Board one loan from a source system",
                                "LoanRequest", "LoanResult"),
            "/api/v1/loans:batch": op("boardLoans", "Board up to 1,000 loans, all or none",
                                      "LoanBatchRequest", "LoanBatchResult"),
            "/api/v1/loans/{external_ref}": {"get": {
                "operationId": "getBoardedLoan",
                "summary": "A loan this partner boarded, by its external reference",
                "security": [{"partnerKey": []}],
                "parameters": [{"name": "external_ref", "in": "path", "required": True,
                                "description": "URL-encoded; may contain '/'",
                                "schema": {"type": "string", "maxLength": 100}}],
                "responses": {
                    "200": {"description": "Loan ID, status, balances today, schedule",
                            "content": {"application/json": {"schema": {
                                "$ref": "#/components/schemas/LoanStatus"}}}},
                    "401": _error("Missing or unknown partner key"),
                    "404": _error("Not boarded by this partner")}}}}
