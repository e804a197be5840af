"""The one layer every front end calls: the JSON routes, the console and the CLI.

Each service checks what the route checked before it (the key's role, its scope, whether it
may see the case), raises the problems of `api.problems` (an `ApiProblem` subclass, its
detail a catalogue `Message`) and returns the response models of `api.schemas`. Sync services
take a `Session` or an `Engine` (call them off the event loop); async ones take a `Backend`.
A front end imports these modules and `api.problems`, `api.schemas`, `api.auth`, `api.deps`,
`api.action_models`, `api.messages`; never `workflows`, `audit`, `storage` or another front end.

backend.py
    Backend(engine, temporal, settings)      .documents, .archives, .calendar, .signing_key()
    backend_of(app) -> Backend                the app's backend (routes: `api.deps.BackendDep`)
    Backend(engine, temporal, settings)       one of its own (the CLI's)
filing.py
    file_case(backend, caller, filing: CaseFiling, *, idempotency_key=None, force=False)
        -> Filed(case: CasePublic, replayed: bool)        async; 403, 409, 422 unroutable, 503
    preview_routing(case_type, parties: [PartySketch(side, kind, region_code)], *,
        clause_route=None) -> Routing    the forum, rule and explanation a filing would get;
        422 malformed_region_code / unknown_region at parties/<i>/region_code, unroutable
routing.py
    route_codes(codes) -> Routing        `GET /v1/route`: a KSDD dispute between region codes
acting.py
    parse_action(raw: dict) -> ActionBody    422 bad_payload / invalid_request with `errors`
    take_action(backend, caller, case_id, body, *, idempotency_key) -> ActionOut      async
cases.py
    read_case(engine, caller, case_id) -> CasePublic                  404 / 403
    timeline(session, caller, case_id) -> Timeline
    list_cases(session, caller, WorklistQuery(stage, forum, province, case_type, sector,
        party, overdue, status, awaiting, q), *, cursor, limit) -> CasePage
        422 unknown_filter_value / invalid_cursor; `q` is title words or a case id (prefix)
documents.py
    upload_document(backend, caller, case_id, content: bytes | IO[bytes], *, file_name,
        media_type, doc_type, idempotency_key, name=None, on_behalf_of=None) -> DocumentOut
        async; 413 document_too_large (`too_large(limit)`), 422 invalid_name, as actions
    list_documents(session, caller, case_id) -> DocumentList
    open_document(session, store, caller, case_id, sha256) -> Download(content, document)
        .headers() for the answer; 404 unknown_document, 409 document_missing / altered
stats.py
    case_stats(session, caller, *, calendar) -> Stats    counts and trends (trends.py)
audit.py
    trail(session, caller, case_id) -> AuditTrail
    history(backend, caller, case_id) -> HistoryDocument                              async
    verify(backend, caller, case_id) -> VerifyReport       async; auditors and admins only
    public_key(backend, caller) -> SigningKey                                          async
    export_case(backend, caller, case_id, *, with_documents=True)
        -> ExportFile(name, content, case)   async; one case's signed .tar.gz (auditors, admins)
    export_many(backend, case_ids, sink, *, now, with_documents, ...)   the CLI's export
    chosen_cases / unknown_cases / verify_many                  the CLI's selection and verify
recalculation.py   (pedoman.md §9 D20; its response models are its own)
    list_moved(engine, caller, calendar) -> MovedDeadlines      operators and admins only
    moved_deadlines(session, calendar, *, case_ids=None) -> [MovedDeadline]    (the CLI's)
    recompute_deadlines(backend, caller, calendar, RecomputeRequest) -> RecomputeReport
        async; operators only; 404 unknown_case, 422 recount_cases
guidelines.py
    current_guideline(session), guideline_versions(session), guideline(session, version),
    stage_graph(session, version, track) -> str (Mermaid)                404 unknown_guideline_*
offline.py      verify_export(path, *, trusted, trusted_key_id) -> ArchiveReport (no server)
connecting.py   read_model(url, *, migrate), connect_backend(settings, engine): for the CLI
reindexing.py   rebuild_read_model(backend, *, query, concurrency, fresh)
pacing.py       how many cases `audit verify` takes at a time (light: no imports)
delivery/       notifications (issue 11): the subscriptions every front end manages, the
                dispatcher `mufakat dispatcher` runs
    subscriptions.py    create_webhook(engine, caller, WebhookCreate, settings, *, now) ->
        WebhookWithSecret (async; 422 webhook_url_refused, 409 webhook_limit), list_webhooks,
        read_webhook, update_webhook, delete_webhook, rotate_secret, webhook_deliveries,
        redeliver, redeliver_since; the same for e-mail subscriptions; 404 for another key's
    dispatcher.py       Dispatcher(engine, settings): run() / stop(), drain(), wake()
    fanout.py           who receives a notice: the keys that may see its case and its entry
    webhook_sender.py, signing.py, cloudevents.py, ssrf.py    one signed CloudEvents attempt
    email_message.py, email_sender.py                         e-mail in Bahasa Indonesia, SMTP
"""
