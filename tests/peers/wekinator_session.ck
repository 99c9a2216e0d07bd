// A Wekinator-style ChucK program: OscOut sends inputs and control messages, OscIn
// receives outputs with a strict type-tag match, as Wekinator's ChucK examples do.
// Run: chuck --silent wekinator_session.ck:SEND_PORT:RECEIVE_PORT
// Records y1 = x1, y2 = 1 - x1 over a sweep, trains, waits for done-training, runs, and
// prints every /wek/outputs it receives as "OUTPUTS x1 y1 y2".

Std.atoi(me.arg(0)) => int sendPort;
Std.atoi(me.arg(1)) => int receivePort;

OscOut xmit;
xmit.dest("127.0.0.1", sendPort);
OscIn oin;
OscMsg msg;
receivePort => oin.port;
oin.addAddress("/wek/outputs, ff");
oin.addAddress("/wekinator/status/done-training");

fun void control(string name) {
    xmit.start("/wekinator/control/" + name);
    xmit.send();
}

fun void outputs(float a, float b) {
    xmit.start("/wekinator/control/outputs");
    a => xmit.add; b => xmit.add;
    xmit.send();
}

fun void inputs(float a, float b) {
    xmit.start("/wek/inputs");
    a => xmit.add; b => xmit.add;
    xmit.send();
}

control("deleteAllExamples");
control("startRecording");
for (0 => int i; i <= 20; i++) {
    i / 20.0 => float x;
    outputs(x, 1.0 - x);
    2::ms => now;
    for (0 => int k; k < 5; k++) {
        inputs(x, 0.5);
        1::ms => now;
    }
}
control("stopRecording");
control("train");

0 => int trained;
while (!trained) {
    oin => now;
    while (oin.recv(msg)) {
        if (msg.address == "/wekinator/status/done-training") 1 => trained;
    }
}
<<< "TRAINED" >>>;
control("startRunning");
[0.1, 0.3, 0.5, 0.7, 0.9] @=> float probes[];
0 => int received;
for (0 => int p; p < probes.size(); p++) {
    inputs(probes[p], 0.5);
    oin => now;
    while (oin.recv(msg)) {
        if (msg.address == "/wek/outputs") {
            <<< "OUTPUTS", probes[p], msg.getFloat(0), msg.getFloat(1) >>>;
            received++;
        }
    }
}
control("stopRunning");
<<< "RECEIVED", received >>>;
