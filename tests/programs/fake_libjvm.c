/* Built as libjvm.so by the tests: NOT HotSpot, a stand-in whose threads
 * return holding a mutex taken inside "libjvm.so", as HotSpot's VM Thread
 * exits holding Threads_lock. The real JVM is run by tests/real/run.sh. */
#include <pthread.h>

static pthread_mutex_t g_vm_mutex = PTHREAD_MUTEX_INITIALIZER;

void vm_lock_and_return(void) { pthread_mutex_lock(&g_vm_mutex); }

void vm_call(void (*callback)(void)) { callback(); }
