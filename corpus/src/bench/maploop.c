// A map-operation loop through raw bpf(2), the shape of a CI job poking a map:
// create a hash map, then N rounds of update, lookup, get_next_key and delete.
//   corpus/generate-bench.sh builds it and captures it under strace -f -tt -T
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 1000;
	union bpf_attr attr;
	uint32_t key, next;
	uint64_t value;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_HASH;
	attr.key_size = sizeof(key);
	attr.value_size = sizeof(value);
	attr.max_entries = 64;
	strcpy(attr.map_name, "bench_loop");
	int fd = bpf(BPF_MAP_CREATE, &attr);
	if (fd < 0) {
		perror("BPF_MAP_CREATE");
		return 1;
	}
	for (int i = 0; i < rounds; i++) {
		key = i % 97;
		value = i;
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = fd;
		attr.key = (uintptr_t)&key;
		attr.value = (uintptr_t)&value;
		attr.flags = i % 3 == 0 ? BPF_NOEXIST : BPF_ANY;
		bpf(BPF_MAP_UPDATE_ELEM, &attr);	// fails with EEXIST now and then
		attr.flags = 0;
		bpf(BPF_MAP_LOOKUP_ELEM, &attr);
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = fd;
		attr.key = i % 5 == 0 ? 0 : (uintptr_t)&key;
		attr.next_key = (uintptr_t)&next;
		bpf(BPF_MAP_GET_NEXT_KEY, &attr);
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = fd;
		attr.key = (uintptr_t)&key;
		if (i % 2)
			bpf(BPF_MAP_DELETE_ELEM, &attr);
	}
	close(fd);
	return 0;
}
