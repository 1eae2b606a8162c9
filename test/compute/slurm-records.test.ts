import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration, slurmTime } from '../../src/compute/duration.js';
import { gpusOf, isFinalState, parseJobCompLine, parseScontrolJob } from '../../src/compute/slurm-records.js';

// Printed by Slurm 22.05.8 (the one-node cluster of scripts/slurm/start.sh) for a
// --gres=gpu:1 job, and its line in the jobcomp/filetxt log.
const SCONTROL =
  'JobId=1 JobName=wrap UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901759 Nice=0 Account=(null) QOS=(null) JobState=COMPLETED Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 RunTime=00:00:03 TimeLimit=00:01:00 TimeMin=N/A SubmitTime=2026-11-30T08:32:36 EligibleTime=2026-11-30T08:32:36 AccrueTime=2026-11-30T08:32:36 StartTime=2026-11-30T08:32:36 EndTime=2026-11-30T08:32:39 Deadline=N/A PreemptEligibleTime=2026-11-30T08:32:36 PreemptTime=None SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-11-30T08:32:36 Scheduler=Main Partition=main AllocNode:Sid=localhost:4394 ReqNodeList=(null) ExcNodeList=(null) NodeList=rotguard-node BatchHost=rotguard-node NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:* TRES=cpu=1,node=1,billing=1 Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* MinCPUsNode=1 MinMemoryNode=0 MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null) Command=(null) WorkDir=/tmp StdErr=/tmp/sj-1.out StdIn=/dev/null StdOut=/tmp/sj-1.out Power= TresPerNode=gres:gpu:1 ';
const RUNNING = SCONTROL.replace('JobState=COMPLETED', 'JobState=RUNNING')
  .replace('RunTime=00:00:03', 'RunTime=00:00:01')
  .replace('EndTime=2026-11-30T08:32:39', 'EndTime=2026-11-30T08:33:36');
const JOBCOMP =
  'JobId=2 UserId=root(0) GroupId=root(0) Name=wrap JobState=COMPLETED Partition=preemptible TimeLimit=1 StartTime=2026-11-30T08:32:40 EndTime=2026-11-30T08:32:41 NodeList=rotguard-node NodeCnt=1 ProcCnt=1 WorkDir=/tmp ReservationName= Tres=cpu=1,mem=12052M,node=1,billing=1 Account= QOS= WcKey= Cluster=unknown SubmitTime=2026-11-30T08:32:40 EligibleTime=2026-11-30T08:32:40 DerivedExitCode=0:0 ExitCode=0:0 ';

describe('Slurm records', () => {
  it('reads a finished job from scontrol: elapsed from start to end, CPUs, GPUs from TresPerNode', () => {
    const r = parseScontrolJob(SCONTROL);
    assert.equal(r.jobId, '1');
    assert.equal(r.state, 'COMPLETED');
    assert.equal(r.partition, 'main');
    assert.equal(r.elapsedSeconds, 3);
    assert.equal(r.cpus, 1);
    assert.equal(r.gpus, 1);
    assert.ok(isFinalState(r.state));
  });

  it('reads a running job: RunTime so far, no end', () => {
    const r = parseScontrolJob(RUNNING);
    assert.equal(r.endTime, null);
    assert.equal(r.elapsedSeconds, 1);
    assert.equal(isFinalState(r.state), false);
  });

  it('reads the jobcomp/filetxt log: elapsed and CPUs from Tres, GPUs unknown there', () => {
    const r = parseJobCompLine(JOBCOMP);
    assert.equal(r.jobId, '2');
    assert.equal(r.partition, 'preemptible');
    assert.equal(r.elapsedSeconds, 1);
    assert.equal(r.cpus, 1);
    assert.equal(r.gpus, null);
  });

  it('counts GPUs in every gres spelling, times nodes', () => {
    assert.equal(gpusOf('gres:gpu:2', 1), 2);
    assert.equal(gpusOf('gres/gpu:h200:4', 2), 8);
    assert.equal(gpusOf('gres:gpu', 1), 1);
    assert.equal(gpusOf('gres:shard:3', 1), 0);
    assert.equal(gpusOf(undefined, 1), 0);
  });

  it('reads durations as people and Slurm write them, and writes Slurm time limits', () => {
    assert.equal(parseDuration('2h'), 7200);
    assert.equal(parseDuration('1h30m'), 5400);
    assert.equal(parseDuration('45s'), 45);
    assert.equal(parseDuration('90'), 5400, 'a bare number is minutes, as in sbatch --time');
    assert.equal(parseDuration('01:02:03'), 3723);
    assert.equal(parseDuration('1-00:00:00'), 86400);
    assert.throws(() => parseDuration('soon'), /duration/);
    assert.equal(slurmTime(7200), '0-02:00:00');
    assert.equal(slurmTime(61), '0-00:02:00', 'rounded up to whole minutes');
  });
});
