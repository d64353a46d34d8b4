"""Concurrency: two people completing one task at once, and receipt numbers under load."""
import threading

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from portal.extensions import db
from portal.models import Receipt, Task
from tests.helpers import advance, form_payload, open_tasks, start_pk


def race(app, count, action):
    """Run ``action(client)`` in ``count`` threads released at the same moment; return responses."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(index):
        client = app.test_client()
        with app.app_context():
            prepared = action.prepare(client, index)
            barrier.wait()
            results[index] = action.fire(client, prepared)
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


class DoubleCompletion:
    def __init__(self, task_id, version, usernames):
        self.task_id, self.version, self.usernames = task_id, version, usernames

    def prepare(self, client, index):
        assert client.post("/masuk", data={"username": self.usernames[index], "password": "sakip2026"}).status_code == 302

    def fire(self, client, prepared):
        response = client.post(f"/tugas/{self.task_id}/selesaikan", data={"tindakan": "selesai", "versi": self.version})
        return response.status_code, response.get_data(as_text=True)


def test_two_concurrent_completions_give_one_completion_and_one_409(app, demo):
    run = start_pk(app, demo)
    advance(app, run, until_step=2)
    [task] = open_tasks(run.id)
    db.session.commit()
    # two different holders of tim_perencanaan press "Selesaikan" at once
    from portal.models import Role, UserRole

    role = db.session.scalar(select(Role).where(Role.key == "tim_perencanaan"))
    db.session.add(UserRole(user_id=demo["kasubbag"].id, role_id=role.id))
    db.session.commit()
    results = race(app, 2, DoubleCompletion(task.id, task.version, ["perencana", "kasubbag"]))
    codes = sorted(code for code, _ in results)
    assert codes == [303, 409], results
    loser = next(body for code, body in results if code == 409)
    assert "Langkah ini sudah diselesaikan oleh" in loser
    db.session.expire_all()
    done = db.session.scalar(select(func.count(Task.id)).where(Task.run_id == run.id, Task.step_no == 2, Task.status == "selesai"))
    assert done == 1
    assert [t.step_no for t in open_tasks(run.id)] == [3]


class FanOutFinish:
    """Every unit completes its fan-out task at the same moment: exactly one step 8 opens."""

    def __init__(self, tasks):
        self.tasks = tasks

    def prepare(self, client, index):
        username, task_id, version, payload = self.tasks[index]
        assert client.post("/masuk", data={"username": username, "password": "sakip2026"}).status_code == 302
        return task_id, version, payload

    def fire(self, client, prepared):
        task_id, version, payload = prepared
        return client.post(f"/tugas/{task_id}/selesaikan",
                           data={"tindakan": "selesai", "versi": version, **payload}).status_code


def test_concurrent_fan_out_completions_open_the_next_step_once(app, demo):
    names = ["urusan", "bidang1", "bidang2", "bidang3"]
    run = start_pk(app, demo, units=[demo[n].unit_id for n in names])
    advance(app, run, until_step=7)
    by_unit = {t.unit_id: t for t in open_tasks(run.id)}
    work = [(n, by_unit[demo[n].unit_id].id, by_unit[demo[n].unit_id].version, form_payload(by_unit[demo[n].unit_id]))
            for n in names]
    assert race(app, 4, FanOutFinish(work)) == [303] * 4
    db.session.expire_all()
    assert [t.step_no for t in open_tasks(run.id)] == [8]


def test_receipt_numbers_gap_free_under_concurrency(app, demo):
    """Parallel hand-overs in different runs get consecutive, unique numbers."""
    from portal.receipts import next_receipt_seq

    count = 6
    barrier = threading.Barrier(count)
    numbers = []
    lock = threading.Lock()

    def worker():
        with app.app_context():
            barrier.wait()
            for attempt in range(20):
                try:
                    seq = next_receipt_seq(2031)
                    db.session.commit()
                    break
                except OperationalError as exc:  # SQLite busy only: retry like the web layer does
                    db.session.rollback()
                    if db.engine.dialect.name != "sqlite" or "locked" not in str(exc).lower():
                        raise
            with lock:
                numbers.append(seq)
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(numbers) == list(range(1, count + 1))
    assert db.session.scalar(select(func.count(Receipt.id))) == 0
