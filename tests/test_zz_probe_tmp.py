import json, uuid
from models.roles import Role
from tests.api_harness import Api, ksdd_filing_json

async def test_probe(api: Api) -> None:
    cid = (await api.file(ksdd_filing_json())).json()["case_id"]
    out = []
    async def show(label, r):
        out.append(f"{label}: {r.status_code} {r.headers.get('content-type')} {r.text[:400]}")
    h = api.headers(Role.OPERATOR, None, "k1")
    await show("malformed", await api.client.post(f"/v1/cases/{cid}/actions", content=b'{"action": ', headers={**h, "Content-Type": "application/json"}))
    await show("list body", await api.client.post(f"/v1/cases/{cid}/actions", json=[1], headers=h))
    await show("action int", await api.client.post(f"/v1/cases/{cid}/actions", json={"action": 5}, headers=h))
    await show("no key", await api.client.post(f"/v1/cases/{cid}/actions", json={"action": "add_note", "text": "x"}, headers=api.headers(Role.OPERATOR)))
    await show("bad id", await api.client.post(f"/v1/cases/NOPE/actions", json={"action": "add_note", "text": "x"}, headers=h))
    await show("bad id get", await api.get("/v1/cases/PKD-26-1"))
    await show("no auth", await api.client.get(f"/v1/cases/{cid}"))
    await show("no auth bad id", await api.client.post(f"/v1/cases/NOPE/actions", content=b"{"))
    await show("empty obo", await api.act(cid, Role.OPERATOR, None, "add_note", on_behalf_of="", text="x"))
    await show("empty obo party action", await api.act(cid, Role.OPERATOR, None, "withdraw", on_behalf_of="", reason="xxxx"))
    await show("text form", await api.client.post(f"/v1/cases/{cid}/actions", content=b'action=add_note', headers={**h, "Content-Type": "application/x-www-form-urlencoded"}))
    await show("no ctype", await api.client.post(f"/v1/cases/{cid}/actions", content=b'{"action":"add_note","text":"y"}', headers=h))
    await show("nested", await api.act(cid, Role.OPERATOR, None, "add_note", text={"a": 1}))
    await show("null action", await api.client.post(f"/v1/cases/{cid}/actions", json={"action": None}, headers=h))
    await show("cursor", await api.get("/v1/cases", cursor="!!!"))
    await show("cursor2", await api.get("/v1/cases", cursor="WyIyMDI2LTAxLTAxIiwgIngiXQ=="))
    await show("unroutable", await api.file({**ksdd_filing_json(), "parties": [{"kind":"kabupaten","side":"requesting","region_code":"32.99","name":"x"},{"kind":"kota","side":"responding","region_code":"32.73","name":"y"}]}))
    await show("filing malformed", await api.client.post("/v1/cases", content=b"{", headers={**h, "Content-Type": "application/json"}))
    await show("big int", await api.act(cid, Role.OPERATOR, None, "attach_document", name="a", doc_type="surat", sha256="a"*64, size=10**30))
    await show("nul", await api.act(cid, Role.OPERATOR, None, "add_note", text="a\x00b"))
    await show("closed?", await api.get(f"/v1/cases/{cid}/timeline"))
    raise AssertionError("\n".join(out))
