"""Go's run queues (framework.sim.scheduler): runnext, local overflow, global fairness,
stealing."""

from framework.sim.scheduler import GLOBAL_FAIRNESS_TICKS, LOCAL_RUNQ, RunQueues


def test_runnext_runs_first_and_pushes_the_previous_one_to_the_tail():
    rq = RunQueues(1)
    rq.put_local(0, "a")
    rq.put_local(0, "b", next_=True)
    rq.put_local(0, "c", next_=True)  # c displaces b to the tail, after a
    got = [rq.find_runnable(0) for _ in range(3)]
    assert got == [("c", True), ("a", False), ("b", False)]
    assert rq.find_runnable(0) is None


def test_full_local_queue_moves_half_to_the_global_queue():
    rq = RunQueues(2)
    for i in range(LOCAL_RUNQ):
        rq.put_local(0, i)
    rq.put_local(0, "x")
    assert len(rq.ps[0].runq) == LOCAL_RUNQ // 2
    assert list(rq.global_q) == [*range(LOCAL_RUNQ // 2), "x"]


def test_an_idle_p_steals_half_of_a_busy_ps_local_queue():
    rq = RunQueues(2)
    for i in range(6):
        rq.put_local(0, i)
    g, inherit = rq.find_runnable(1)
    assert (g, inherit) == (0, False)
    assert list(rq.ps[1].runq) == [1, 2]
    assert list(rq.ps[0].runq) == [3, 4, 5]


def test_the_global_queue_is_checked_first_every_61st_schedule():
    rq = RunQueues(1)
    for i in range(100):
        rq.put_local(0, ("local", i))
    rq.put_global("global")
    seen = [rq.find_runnable(0)[0] for _ in range(GLOBAL_FAIRNESS_TICKS)]
    assert seen[-1] == "global"
    assert all(s != "global" for s in seen[:-1])


def test_poll_work_sees_only_the_global_and_own_queue():
    rq = RunQueues(2)
    rq.put_local(1, "g")
    assert not rq.poll_work(0) and rq.poll_work(1)
    rq.put_global("h")
    assert rq.poll_work(0)


def test_kicking_a_local_queue_to_the_global_one():
    rq = RunQueues(2)
    rq.put_local(0, "a")
    rq.put_local(0, "b", next_=True)
    assert rq.local_to_global(0) == 2
    assert not rq.has_local_work(0)
    assert set(rq.global_q) == {"a", "b"}
