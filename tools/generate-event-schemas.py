#!/usr/bin/env python3
"""Writes Schemas/events/<EventType>.v<N>.schema.json (JSON Schema 2020-12) for every portal event type.

The shapes below are written from DOMAIN.md and the event payloads' documentation, independently of the
Swift code; the Swift schema test checks that samples of every registered event type validate against them
(tools/validate-event-schemas.py). Run from the repository root: python3 tools/generate-event-schemas.py
"""
import json
import pathlib
import sys

BASE = "https://schemas.provider-portal.invalid/events/"

ID = {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,64}$"}
TEXT = {"type": "string", "minLength": 1}
ANY_TEXT = {"type": "string"}
QUANTITY = {"type": "string", "pattern": "^[0-9]+\\.[0-9]{4}$", "description": "exact decimal, 4 places"}
RATE = {"type": "string", "pattern": "^[0-9]+\\.[0-9]{4}$", "description": "pounds per unit, 4 places"}
MONEY = {"type": "string", "pattern": "^-?[0-9]+\\.[0-9]{2}$", "description": "pounds, 2 places"}
DATE = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
TIMESTAMP = {"type": "string", "format": "date-time", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z$"}
PERIOD = {"type": "integer", "minimum": 1}
COUNT = {"type": "integer", "minimum": 0}
BOOL = {"type": "boolean"}
SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}


def enum(*values):
    return {"type": "string", "enum": list(values)}


ROLE = enum("super-user-actuals", "super-user-scheduled", "payments", "administration", "reports", "invoice-only", "read-only")
TEAM = enum("payments", "service-brokerage", "billing", "financial-assessment", "procurement", "helpdesk", "z-information-messaging")


def obj(required, optional=None):
    """An object with these required and optional properties and nothing else."""
    properties = dict(required)
    properties.update(optional or {})
    return {"type": "object", "additionalProperties": False, "required": sorted(required), "properties": properties}


def ref(name):
    return {"$ref": "#/$defs/" + name}


DEFS = {
    "ContactDetails": obj(
        {"name": TEXT, "addressLines": {"type": "array", "minItems": 1, "maxItems": 6, "items": TEXT}, "postcode": TEXT},
        {"telephone": TEXT, "email": TEXT}),
    "Person": obj(
        {"forename": TEXT, "surname": TEXT, "email": TEXT},
        {"title": TEXT, "telephone": TEXT, "mobile": TEXT}),
    "CPLIDefinition": obj(
        {"cpliID": ID, "isoID": ID, "organisationID": ID, "serviceID": ID, "clientReference": TEXT, "clientName": TEXT,
         "serviceType": enum("home-support-contract-rate", "home-support-block-rate", "night-sits", "live-in-care",
                             "breaks-for-carers-day-sitting-rate"),
         "unit": enum("hours", "nights"), "plannedPerWeek": QUANTITY, "rate": RATE, "startDate": DATE},
        {"endDate": DATE, "temporaryOf": ID}),
    "AbortedVisit": obj(
        {"date": DATE, "length": QUANTITY, "noticeHours": QUANTITY, "time": enum("day", "night"),
         "cause": enum("cancelled", "no-entry", "hospitalisation", "death")}),
    "AbortedVisitClaim": obj({"visit": {"$ref": "#/$defs/AbortedVisit"}, "claimable": QUANTITY, "basis": TEXT}),
}

# Part 2: payment documents, claims, conversations, payments.
SIGNED_QUANTITY = {"type": "string", "pattern": "^-?[0-9]+\\.[0-9]{4}$", "description": "exact decimal, 4 places; negative on a credit note"}
VERSION = {"type": "integer", "minimum": 0}
DOCUMENT_KIND = enum("invoice", "supplementary-invoice", "contract-invoice", "credit-note", "scheduled-payment")
DEFS.update({
    "WeekQuantity": obj({"week": DATE, "quantity": SIGNED_QUANTITY, "overException": BOOL}),
    "ChargeLine": obj(
        {"cpliID": ID, "clientReference": TEXT, "clientName": TEXT, "period": PERIOD, "unit": enum("hours", "nights"),
         "rate": RATE, "weeks": {"type": "array", "items": ref("WeekQuantity")}, "quantity": SIGNED_QUANTITY, "amount": MONEY},
        {"claimID": ID}),
    "OneOffClaimItem": obj(
        {"cpliID": ID, "clientReference": TEXT, "clientName": TEXT, "absenceFrom": DATE, "absenceTo": DATE,
         "days": {"type": "integer", "minimum": 1, "maximum": 7}, "precedingStay": enum("hospital", "emergency-respite"),
         "hours": QUANTITY, "rate": RATE, "amount": MONEY},
        {"authoriser": TEXT}),
    "MessageAttachment": obj({"sha256": SHA256, "fileName": TEXT, "size": {"type": "integer", "minimum": 1, "maximum": 10485760},
                       "mediaType": TEXT}),
    "ConversationParty": {"oneOf": [obj({"organisationID": ID}), obj({"team": TEAM})]},
    "RemittanceLine": obj(
        {"documentKind": DOCUMENT_KIND, "documentID": TEXT, "documentReference": TEXT, "clientReference": TEXT,
         "clientName": TEXT, "cpliID": ID, "period": PERIOD, "amount": MONEY}),
    "ScheduledPaymentKey": obj({"contractID": ID, "period": PERIOD}),
})
LINES = {"type": "array", "items": ref("ChargeLine")}
LINES_REQUIRED = {"type": "array", "minItems": 1, "items": ref("ChargeLine")}
IDS = {"type": "array", "items": ID}
CONVERSATION_TYPE = enum("death-notification", "information", "query", "respite-stay", "payment-query", "cpli-amendment",
                         "cpli-outstanding", "third-party-amendment-request", "outstanding-actuals",
                         "debit-balance-credit-memo", "returned-invoice", "rolling-respite-claim",
                         "apl-supported-living-void-claim")
RELATED_TO = enum("contract", "spot-commitment", "value-commitment", "client", "service", "invoice", "contact", "provider")

REQUEST = {"requestID": ID}
REJECTION = {"requestID": ID, "reason": TEXT}

EVENTS = {
    # organisation-<id>
    "OrganisationRegistered": ({"organisationID": ID, "details": ref("ContactDetails")}, {}),
    "OrganisationDetailsChangeRequested": ({"organisationID": ID, **REQUEST, "proposed": ref("ContactDetails")}, {}),
    "OrganisationDetailsChangeAccepted": ({"organisationID": ID, **REQUEST, "details": ref("ContactDetails")}, {}),
    "OrganisationDetailsChangeRejected": ({"organisationID": ID, **REJECTION}, {}),
    # contract-<id>
    "ContractRegistered": ({"contractID": ID, "organisationID": ID, "name": TEXT,
                            "contractType": enum("spot-old-block", "block-2013", "block-2015-framework"),
                            "paymentBasis": enum("invoiced", "scheduled"), "startDate": DATE}, {"endDate": DATE}),
    # service-<id>
    "ServiceRegistered": ({"serviceID": ID, "organisationID": ID, "contractID": ID, "details": ref("ContactDetails"),
                           "startDate": DATE}, {}),
    "ServiceDetailsChangeRequested": ({"serviceID": ID, **REQUEST, "proposed": ref("ContactDetails")}, {}),
    "ServiceDetailsChangeAccepted": ({"serviceID": ID, **REQUEST, "details": ref("ContactDetails")}, {}),
    "ServiceDetailsChangeRejected": ({"serviceID": ID, **REJECTION}, {}),
    # user-<id>
    "ContactCreationRequested": ({"userID": ID, "organisationID": ID, **REQUEST, "person": ref("Person"), "role": ROLE}, {}),
    "ContactCreationAccepted": ({"userID": ID, **REQUEST}, {}),
    "ContactCreationRejected": ({"userID": ID, **REJECTION}, {}),
    "ContactAmendRequested": ({"userID": ID, **REQUEST, "person": ref("Person"), "role": ROLE}, {}),
    "ContactAmendAccepted": ({"userID": ID, **REQUEST, "person": ref("Person"), "role": ROLE}, {}),
    "ContactAmendRejected": ({"userID": ID, **REJECTION}, {}),
    "ContactRoleRemovalRequested": ({"userID": ID, **REQUEST}, {}),
    "ContactRoleRemovalAccepted": ({"userID": ID, **REQUEST, "at": TIMESTAMP}, {}),
    "ContactRoleRemovalRejected": ({"userID": ID, **REJECTION}, {}),
    # reason: why an operator registered the account from the shell (portal init, portal staff add).
    "CouncilUserRegistered": ({"userID": ID, "person": ref("Person"), "team": TEAM}, {"reason": TEXT}),
    "AuditorRegistered": ({"userID": ID, "person": ref("Person")}, {}),
    "FirstPasswordIssued": ({"userID": ID, "at": TIMESTAMP}, {}),
    "LoginSucceeded": ({"userID": ID, "at": TIMESTAMP}, {}),
    "LoginFailed": ({"userID": ID, "at": TIMESTAMP, "consecutiveFailures": {"type": "integer", "minimum": 1}}, {}),
    "AccountLocked": ({"userID": ID, "at": TIMESTAMP, "failedAttempts": {"type": "integer", "minimum": 1}}, {}),
    "PasswordChanged": ({"userID": ID, "at": TIMESTAMP, "expiresOn": DATE}, {}),
    "PasscodeSet": ({"userID": ID, "at": TIMESTAMP}, {}),
    "AccountSuspended": ({"userID": ID, "at": TIMESTAMP, "lastUsedOn": DATE, "unusedDays": COUNT}, {}),
    "AccountReactivated": ({"userID": ID, "at": TIMESTAMP}, {}),
    "PasswordResetByHelpdesk": ({"userID": ID, "at": TIMESTAMP}, {}),
    # iso-<id>
    "ISOPublished": ({"isoID": ID, "organisationID": ID, "serviceID": ID, "clientReference": TEXT, "clientName": TEXT,
                      "cpliIDs": {"type": "array", "minItems": 1, "uniqueItems": True, "items": ID}}, {}),
    "ISOAgreed": ({"isoID": ID, "cpliIDs": {"type": "array", "minItems": 1, "uniqueItems": True, "items": ID}}, {}),
    "ISORejected": ({"isoID": ID, "reason": TEXT}, {}),
    # cpli-<id>
    "CPLICommissioned": ({"definition": ref("CPLIDefinition")}, {}),
    "CPLIActivated": ({"cpliID": ID, "isoID": ID}, {}),
    # servicecplis-<serviceId>
    "CPLIListed": ({"serviceID": ID, "cpliID": ID, "organisationID": ID}, {}),
    # actuals-<serviceId>-<period>
    "ActualRecorded": ({"serviceID": ID, "period": PERIOD, "cpliID": ID, "week": DATE, "planned": QUANTITY,
                        "isProRata": BOOL, "actual": QUANTITY, "frustrated": QUANTITY, "missed": QUANTITY,
                        "extra": QUANTITY, "visits": COUNT, "comment": ANY_TEXT,
                        "abortedVisits": {"type": "array", "items": ref("AbortedVisitClaim")},
                        "paidQuantity": QUANTITY,
                        "flags": {"type": "array", "uniqueItems": True, "items": enum("over-exception")},
                        "source": enum("calendar", "import")},
                       {"invoiceReference": TEXT, "importID": ID}),
    "WeekConfirmed": ({"serviceID": ID, "period": PERIOD, "week": DATE}, {}),
    # periods-<serviceId>
    "PeriodLocked": ({"serviceID": ID, "period": PERIOD, "invoiceID": ID}, {}),
    "NextPeriodOpened": ({"serviceID": ID, "period": PERIOD, "invoiceID": ID, "reason": enum("held", "approved", "paid")}, {}),
    "PeriodReopened": ({"serviceID": ID, "period": PERIOD, "invoiceID": ID}, {}),
    # imports-<organisationId>
    # contentSHA256: of the file's content as read (the same for the same file saved again by a spreadsheet,
    # R-ACT-10); absent from imports recorded before it was.
    "ActualsFileImported": ({"importID": ID, "organisationID": ID, "period": PERIOD, "sha256": SHA256, "rows": COUNT,
                             "linesRecorded": COUNT}, {"fileName": TEXT, "contentSHA256": SHA256}),
    # invoice-<id>
    "InvoiceCreated": ({"invoiceID": ID, "organisationID": ID, "contractID": ID, "serviceID": ID, "period": PERIOD,
                        "reference": TEXT, "invoiceDate": DATE, "lines": LINES_REQUIRED, "total": MONEY,
                        "actualsVersion": VERSION}, {}),
    "ContractInvoiceCreated": ({"invoiceID": ID, "organisationID": ID, "contractID": ID, "reference": TEXT,
                                "invoiceDate": DATE, "claimIDs": {"type": "array", "minItems": 1, "uniqueItems": True, "items": ID},
                                "lines": LINES_REQUIRED, "total": MONEY}, {}),
    "SupplementaryInvoiceRaised": ({"invoiceID": ID, "organisationID": ID, "contractID": ID, "serviceID": ID,
                                    "period": PERIOD, "reference": TEXT, "invoiceDate": DATE, "supplementsInvoiceID": ID,
                                    "lines": LINES_REQUIRED, "total": MONEY, "actualsVersion": VERSION}, {}),
    "InvoiceLineRemoved": ({"invoiceID": ID, "cpliID": ID, "amount": MONEY, "total": MONEY}, {}),
    "InvoiceSubmitted": ({"invoiceID": ID, "date": DATE}, {}),
    "InvoiceHeld": ({"invoiceID": ID, "reason": TEXT, "date": DATE}, {}),
    "InvoiceReleased": ({"invoiceID": ID, "date": DATE}, {}),
    "InvoiceApproved": ({"invoiceID": ID, "date": DATE}, {}),
    "InvoiceReturned": ({"invoiceID": ID, "reason": TEXT, "date": DATE}, {}),
    "InvoiceCorrected": ({"invoiceID": ID, "lines": LINES_REQUIRED, "total": MONEY, "actualsVersion": VERSION}, {}),
    "InvoiceResubmitted": ({"invoiceID": ID, "date": DATE}, {}),
    "InvoicePaid": ({"invoiceID": ID, "paymentRunID": ID, "paymentDate": DATE}, {}),
    "PaidInvoiceAdjusted": ({"invoiceID": ID, "kind": enum("credit-note", "supplementary-invoice"), "documentID": ID,
                             "lines": LINES_REQUIRED, "total": MONEY}, {}),
    # invoicerefs-<organisationId>
    "InvoiceReferenceReserved": ({"organisationID": ID, "reference": {"type": "string", "minLength": 1, "maxLength": 30},
                                  "kind": DOCUMENT_KIND, "documentID": ID}, {}),
    # creditnote-<id>
    "CreditNoteRaised": ({"creditNoteID": ID, "organisationID": ID, "contractID": ID, "serviceID": ID, "period": PERIOD,
                          "reference": TEXT, "creditNoteDate": DATE, "againstInvoiceID": ID, "lines": LINES_REQUIRED,
                          "total": {**MONEY, "pattern": "^-[0-9]+\\.[0-9]{2}$"}}, {}),
    "CreditNoteSettled": ({"creditNoteID": ID, "paymentRunID": ID, "paymentDate": DATE}, {}),
    # claim-<id>
    "OneOffClaimCreated": ({"claimID": ID, "organisationID": ID, "contractID": ID, "dateOfClaim": DATE, "period": PERIOD,
                            "items": {"type": "array", "minItems": 1, "maxItems": 50, "items": ref("OneOffClaimItem")},
                            "total": MONEY}, {"notes": TEXT}),
    "OneOffClaimSubmitted": ({"claimID": ID, "date": DATE}, {}),
    "OneOffClaimWithdrawn": ({"claimID": ID, "date": DATE}, {}),
    "OneOffClaimApproved": ({"claimID": ID, "date": DATE}, {}),
    "OneOffClaimRejected": ({"claimID": ID, "reason": TEXT, "date": DATE}, {}),
    "OneOffClaimInvoiced": ({"claimID": ID, "invoiceID": ID}, {}),
    # conversation-<id>
    "ConversationStarted": ({"conversationID": ID, "organisationID": ID, "type": CONVERSATION_TYPE, "relatedTo": RELATED_TO,
                             "entityID": TEXT, "team": TEAM, "subject": TEXT, "startedBy": ref("ConversationParty")}, {}),
    "ConversationMessagePosted": ({"conversationID": ID, "messageNumber": {"type": "integer", "minimum": 1},
                                   "from": ref("ConversationParty"), "body": TEXT,
                                   "attachments": {"type": "array", "maxItems": 10, "items": ref("MessageAttachment")}}, {}),
    "ConversationReassigned": ({"conversationID": ID, "fromTeam": TEAM, "toTeam": TEAM, "reason": TEXT}, {}),
    "ConversationClosed": ({"conversationID": ID, "by": ref("ConversationParty")}, {}),
    # scheduledpayments-<contractId>
    "ScheduledPaymentCalculated": ({"contractID": ID, "organisationID": ID, "period": PERIOD, "dueDate": DATE,
                                    "arrearsWeeks": {"type": "array", "minItems": 2, "maxItems": 2, "items": DATE},
                                    "advanceWeeks": {"type": "array", "minItems": 2, "maxItems": 2, "items": DATE},
                                    "lines": LINES_REQUIRED, "total": MONEY}, {}),
    "ScheduledPaymentPaid": ({"contractID": ID, "period": PERIOD, "paymentRunID": ID, "paymentDate": DATE}, {}),
    # the provider's super user (scheduled) confirms or queries a calculated payment (R-ROLE)
    "ScheduledPaymentConfirmed": ({"contractID": ID, "organisationID": ID, "period": PERIOD, "total": MONEY}, {}),
    "ScheduledPaymentQueried": ({"contractID": ID, "organisationID": ID, "period": PERIOD, "total": MONEY,
                                 "reason": {"type": "string", "minLength": 1, "maxLength": 500}}, {}),
    # paymentrun-<id>
    "RemittanceIssued": ({"paymentRunID": ID, "organisationID": ID, "organisationName": TEXT, "paymentReference": TEXT,
                          "paymentDate": DATE, "lines": {"type": "array", "minItems": 1, "items": ref("RemittanceLine")},
                          "total": MONEY, "csvSHA256": SHA256}, {}),
    "PaymentRunCompleted": ({"paymentRunID": ID, "paymentDate": DATE, "reference": TEXT,
                             "organisationIDs": {"type": "array", "minItems": 1, "items": ID}, "invoiceIDs": IDS,
                             "scheduledPayments": {"type": "array", "items": ref("ScheduledPaymentKey")},
                             "creditNoteIDs": IDS, "total": MONEY}, {}),
    # deployment-settings
    # reason: why an operator recorded the settings (portal init); absent when a first serve recorded them.
    "DeploymentConfigured": ({"policy": enum("norfolk", "lancashire"), "periodAnchor": DATE}, {"reason": TEXT}),
}

VERSIONS = {}  # every type is at schema version 1


def used_defs(node, found):
    if isinstance(node, dict):
        target = node.get("$ref", "")
        if target.startswith("#/$defs/"):
            name = target[len("#/$defs/"):]
            if name not in found:
                found.add(name)
                used_defs(DEFS[name], found)
        for value in node.values():
            used_defs(value, found)
    elif isinstance(node, list):
        for value in node:
            used_defs(value, found)
    return found


def schema(event_type, version):
    required, optional = EVENTS[event_type]
    body = obj(required, optional)
    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{BASE}{event_type}.v{version}.schema.json",
        "title": f"{event_type} v{version}",
        "x-event-type": event_type,
        "x-schema-version": version,
        **body,
    }
    defs = used_defs(body, set())
    if defs:
        document["$defs"] = {name: DEFS[name] for name in sorted(defs)}
    return document


def main():
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "Schemas/events")
    out.mkdir(parents=True, exist_ok=True)
    for event_type in EVENTS:
        version = VERSIONS.get(event_type, 1)
        path = out / f"{event_type}.v{version}.schema.json"
        path.write_text(json.dumps(schema(event_type, version), indent=2, sort_keys=True) + "\n")
    print(f"wrote {len(EVENTS)} schemas to {out}")


if __name__ == "__main__":
    main()
