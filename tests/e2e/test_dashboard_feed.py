"""The dashboard's feed over real HTTP, while an SDK drives the namespace: what the page polls
(activity, the jobs page, a job's timeline, the journal page) follows every request, whichever
emulator of the deployment served it."""

from __future__ import annotations

import writerai

from emulator.testing.handle import EmulatorHandle

INPUTS = [{"id": "topic", "value": ["running shoes"]}]


def test_the_activity_feed_follows_what_the_sdk_does(writer: EmulatorHandle) -> None:
    start = writer.clock.now
    quiet = writer.control("GET", "activity")
    assert (quiet["jobs"], quiet["exchanges"], quiet["last_seq"]) == (0, 0, 0)
    client = writerai.Writer(api_key="My API Key", base_url=writer.url)
    jobs = [
        client.applications.jobs.create(application_id="app", inputs=INPUTS).id for _ in range(3)
    ]
    client.applications.jobs.retrieve(jobs[0])
    writer.clock.advance(30)

    feed = writer.control("GET", "activity")
    assert (feed["name"], feed["jobs"], feed["exchanges"]) == (writer.namespace, 3, 4)
    assert feed["last_seq"] == 4
    assert feed["clock"]["now"] == start + 30 and feed["clock"]["mode"] == "manual"

    page = writer.control("GET", "jobs", offset="0", limit="2")
    assert page["total"] == 3
    assert [row["id"] for row in page["jobs"]] == [jobs[2], jobs[1]]  # newest first
    timeline = writer.control("GET", f"jobs/{jobs[0]}/timeline")
    assert [e["action"] for e in timeline["requests"]] == ["create", "retrieve"]
    assert timeline["now"] == start + 30
    journal = writer.control("GET", "journal/page", order="asc", limit="10")
    assert [e["seq"] for e in journal["entries"]] == [1, 2, 3, 4]
    assert journal["total"] == 4
