import asyncio
from models.roles import Role
from tests.api_harness import Api, ksdd_filing_json

async def test_probe(api: Api) -> None:
    f = ksdd_filing_json()
    f["title"] = "Judul\x00aneh"
    try:
        r = await asyncio.wait_for(api.file(f), 15)
        raise AssertionError(f"{r.status_code} {r.text[:300]}")
    except TimeoutError:
        raise AssertionError("filing hung")
