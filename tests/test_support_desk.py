"""The example test of the README, kept here so that it stays true."""


def test_agent_starts_the_room_and_the_customer_is_muted(conference_sim):
    timeline = (
        conference_sim.scenario("support desk")
        .call(
            "customer",
            "Support",
            startConferenceOnEnter=False,
            hangup="5m",
            statusCallback="https://app.example/cb",
            statusCallbackEvent="start join mute",
        )
        .call("agent", "Support", at="30s", endConferenceOnExit=True, hangup="2m")
        .mute("customer", at=60)
        .run()
    )
    timeline.assert_timeline(
        "0 participant-join customer", "30 conference-start", "60 participant-mute customer"
    )
    assert [e.event for e in timeline.callbacks()][:3] == [
        "participant-join",
        "participant-join",
        "conference-start",
    ]
    room = timeline.state_at("1m").conference("Support")
    assert room.present == ["customer", "agent"] and room.participants["customer"].muted
    assert timeline.final.conference("Support").state == "completed"


def test_bundled_file(conference_sim):
    conference_sim.run("scenarios/05-coach.yaml").assert_never("recording-completed")
