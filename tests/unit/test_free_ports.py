"""The sandbox's port picker: a port is handed out once per process (servers bind theirs later)."""

from mailkit.sandbox.ports import free_ports


def test_a_port_is_never_handed_out_twice_in_one_process():
    # 1,000 single picks from ~12,000 ports: random picks alone collide almost surely (birthday bound)
    picked = [port for _ in range(1000) for port in free_ports(1)]
    assert len(set(picked)) == len(picked)


def test_one_call_gives_different_ports():
    ports = free_ports(8)
    assert len(set(ports)) == 8 and all(port > 0 for port in ports)
