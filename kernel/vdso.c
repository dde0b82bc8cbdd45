/*
 * The vDSO's kernel side: its image (vdso/, built into the kernel) and the
 * data page it reads, both mapped into the application as the kernel's own
 * pages, read-only. The data page follows the kernel's time keeping under a
 * sequence count, so the vDSO computes exactly what clock_gettime would.
 */
#include <alto/cpu.h>
#include <alto/mm.h>
#include <alto/spinlock.h>
#include <alto/time.h>
#include <alto/vdso.h>
#include <alto/vm.h>
#include <uapi/mman.h>

_Static_assert(offsetof(struct cpu, id) == VDSO_GS_CPU_ID, "the vDSO reads the CPU id there");

extern const char vdso_image[], vdso_image_end[];

/* A page of its own: it is mapped into the application. */
static union {
	struct vdso_data d;
	char page[PAGE_SIZE];
} data __attribute__((aligned(PAGE_SIZE)));
static struct spinlock data_lock = SPINLOCK_INIT;

void vdso_update(void)
{
	unsigned long irq = spin_lock(&data_lock);

	WRITE_ONCE(data.d.seq, data.d.seq + 1); /* odd: readers retry */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	data.d.boot_tsc = boot_tsc;
	data.d.ns_mult = tsc_ns_mult();
	data.d.realtime_offset = time_realtime_offset_ns();
	data.d.coarse_res_ns = COARSE_RES_NS;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	WRITE_ONCE(data.d.seq, data.d.seq + 1);
	spin_unlock(&data_lock, irq);
}

uint64_t vdso_map(struct mm *mm)
{
	size_t npages = (size_t)(vdso_image_end - vdso_image) / PAGE_SIZE;
	size_t len = (npages + 1) * PAGE_SIZE;
	long r = mm_mmap_anon(mm, 0, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);

	if (r < 0)
		return 0;
	uintptr_t at = (uintptr_t)r;
	vdso_update();
	if (mm_map_special(mm, at, virt_to_phys(&data), 1, PROT_READ) < 0 ||
	    mm_map_special(mm, at + PAGE_SIZE, virt_to_phys(vdso_image), npages,
			   PROT_READ | PROT_EXEC) < 0) {
		mm_munmap(mm, at, len);
		return 0;
	}
	return at + PAGE_SIZE;
}
